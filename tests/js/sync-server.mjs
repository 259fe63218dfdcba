// The JS relay the benchmark compares against: an automerge-repo 2.x sync
// server set up as @automerge/automerge-repo-sync-server sets up its own
// (a Repo on NodeWSServerAdapter and NodeFSStorageAdapter, sharing
// nothing unasked), on the current automerge-repo.
//
//   node sync-server.mjs <port> <data-dir>      prints "listening on <port>"
import { WebSocketServer } from "ws"
import http from "node:http"
import { Repo } from "@automerge/automerge-repo"
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

const [port, dir] = process.argv.slice(2)
const wss = new WebSocketServer({ noServer: true })
const server = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain" })
  res.end("ok\n")
})
server.on("upgrade", (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, ws => wss.emit("connection", ws, request))
})
new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(dir),
  peerId: "js-sync-server",
  sharePolicy: async () => false,
})
server.listen(Number(port), "127.0.0.1", () => console.log(`listening on ${port}`))
process.on("SIGTERM", () => process.exit(0))
