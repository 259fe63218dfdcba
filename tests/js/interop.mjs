// A JS automerge-repo 2.x peer for the interoperability tests.
//
//   node interop.mjs create <ws-url>         creates a document, prints {"url": ...},
//                                            stays connected until stdin closes
//   node interop.mjs find <ws-url> <doc-url> prints the document as JSON and exits
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const [command, wsUrl, docUrl] = process.argv.slice(2)
const repo = new Repo({ network: [new WebSocketClientAdapter(wsUrl)] })

if (command === "create") {
  const handle = repo.create({ source: "js", households: {} })
  handle.change(d => {
    d.households["js-household"] = { head: "Hoàng Thị Lan", members: 4, village: "Bản Dền" }
  })
  console.log(JSON.stringify({ url: handle.url }))
  process.stdin.resume()
  process.stdin.on("end", async () => {
    await repo.shutdown()
    process.exit(0)
  })
} else if (command === "find") {
  const timer = setTimeout(() => {
    console.error("timed out finding " + docUrl)
    process.exit(2)
  }, 20000)
  try {
    const handle = await repo.find(docUrl)
    console.log(JSON.stringify(handle.doc()))
    clearTimeout(timer)
    await repo.shutdown()
    process.exit(0)
  } catch (e) {
    console.error("find failed: " + e)
    process.exit(1)
  }
} else {
  console.error("usage: interop.mjs create|find <ws-url> [doc-url]")
  process.exit(64)
}
