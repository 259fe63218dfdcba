//! The automerge-repo wire protocol: CBOR maps exchanged over a WebSocket
//! (see the "Wire Protocol" section of `@automerge/automerge-repo-network-websocket`).
//!
//! Decoding is strict about the fields each message needs and lenient about
//! fields it does not know, exactly as the JS peers are.

use minicbor::data::Type;
use minicbor::{Decoder, Encoder};

use crate::ids::{DocumentId, IdError, PeerId};

/// The only protocol version automerge-repo defines.
pub const PROTOCOL_VERSION: &str = "1";

/// Metadata a peer announces in `join` and `peer`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeerMetadata {
    /// A persistent storage id, if the peer has durable storage.
    pub storage_id: Option<String>,
    /// Whether the peer will not come back with this storage id.
    pub is_ephemeral: bool,
}

/// One message of the automerge-repo protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireMessage {
    /// Handshake, sent by the connecting peer.
    Join {
        /// The connecting peer.
        sender_id: PeerId,
        /// Versions the sender speaks (always contains "1").
        supported_protocol_versions: Vec<String>,
        /// Storage metadata.
        metadata: Option<PeerMetadata>,
    },
    /// Handshake answer from the accepting peer.
    Peer {
        /// The accepting peer.
        sender_id: PeerId,
        /// The connecting peer.
        target_id: PeerId,
        /// The version chosen.
        selected_protocol_version: String,
        /// Storage metadata.
        metadata: Option<PeerMetadata>,
    },
    /// The sender is about to disconnect.
    Leave {
        /// Who leaves.
        sender_id: PeerId,
    },
    /// Begin syncing a document; answered by `doc-unavailable` if the target lacks it.
    Request {
        /// The document.
        document_id: DocumentId,
        /// Who asks.
        sender_id: PeerId,
        /// Who is asked.
        target_id: PeerId,
        /// An encoded `automerge::sync::Message`.
        data: Vec<u8>,
    },
    /// An automerge sync message for a document.
    Sync {
        /// The document.
        document_id: DocumentId,
        /// Who sends.
        sender_id: PeerId,
        /// Who receives.
        target_id: PeerId,
        /// An encoded `automerge::sync::Message`.
        data: Vec<u8>,
    },
    /// The sender does not have the document (nor do its peers).
    DocUnavailable {
        /// The document.
        document_id: DocumentId,
        /// Who answers.
        sender_id: PeerId,
        /// Who asked.
        target_id: PeerId,
    },
    /// Presence-style data that is not stored.
    Ephemeral {
        /// The document it relates to.
        document_id: DocumentId,
        /// Who sends.
        sender_id: PeerId,
        /// Who receives.
        target_id: PeerId,
        /// Sequence number within the session.
        count: u64,
        /// The ephemeral session.
        session_id: String,
        /// Arbitrary bytes.
        data: Vec<u8>,
    },
    /// A protocol error; the connection closes after it.
    Error {
        /// Human-readable reason.
        message: String,
    },
    /// A message type this implementation does not act on (remote heads
    /// gossip, or one added by a later protocol revision). Kept so that a
    /// newer peer is not treated as malformed.
    Other {
        /// The `type` field.
        message_type: String,
    },
}

/// Why bytes were not a valid protocol message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes are not the CBOR the protocol expects.
    #[error("malformed CBOR in protocol message: {0}")]
    Cbor(String),
    /// The top-level value is not a definite-length map.
    #[error("protocol message is not a CBOR map")]
    NotAMap,
    /// No `type` field.
    #[error("protocol message has no \"type\" field")]
    MissingType,
    /// A field the message type requires is absent.
    #[error("\"{message_type}\" message is missing the field \"{field}\"")]
    MissingField {
        /// The message type.
        message_type: String,
        /// The absent field.
        field: &'static str,
    },
    /// A field has the wrong CBOR type.
    #[error("field \"{field}\" has CBOR type {found}, expected {expected}")]
    WrongType {
        /// The field.
        field: String,
        /// What the protocol expects.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A document id that is not valid.
    #[error("field \"documentId\": {0}")]
    DocumentId(#[from] IdError),
    /// Extra bytes after the message.
    #[error("{0} trailing bytes after the protocol message")]
    TrailingBytes(usize),
}

impl From<minicbor::decode::Error> for DecodeError {
    fn from(e: minicbor::decode::Error) -> Self {
        DecodeError::Cbor(e.to_string())
    }
}

/// Fields collected from the map before the message type is known
/// (the `type` key may come anywhere in the map).
#[derive(Default)]
struct Fields {
    message_type: Option<String>,
    sender_id: Option<String>,
    target_id: Option<String>,
    document_id: Option<DocumentId>,
    data: Option<Vec<u8>>,
    versions: Option<Vec<String>>,
    selected_version: Option<String>,
    metadata: Option<PeerMetadata>,
    message: Option<String>,
    session_id: Option<String>,
    count: Option<u64>,
}

impl Fields {
    fn take<T>(
        value: Option<T>,
        message_type: &str,
        field: &'static str,
    ) -> Result<T, DecodeError> {
        value.ok_or_else(|| DecodeError::MissingField {
            message_type: message_type.to_owned(),
            field,
        })
    }
}

fn expect_type(
    d: &mut Decoder<'_>,
    field: &str,
    expected: &'static str,
    ok: &[Type],
) -> Result<(), DecodeError> {
    let found = d.datatype()?;
    if ok.contains(&found) {
        Ok(())
    } else {
        Err(DecodeError::WrongType {
            field: field.to_owned(),
            expected,
            found: found.to_string(),
        })
    }
}

fn read_str(d: &mut Decoder<'_>, field: &str) -> Result<String, DecodeError> {
    expect_type(d, field, "text", &[Type::String])?;
    Ok(d.str()?.to_owned())
}

fn read_bytes(d: &mut Decoder<'_>, field: &str) -> Result<Vec<u8>, DecodeError> {
    expect_type(d, field, "bytes", &[Type::Bytes])?;
    Ok(d.bytes()?.to_vec())
}

fn read_map_len(d: &mut Decoder<'_>, field: &str) -> Result<u64, DecodeError> {
    expect_type(d, field, "map", &[Type::Map])?;
    d.map()?.ok_or(DecodeError::NotAMap)
}

fn read_metadata(d: &mut Decoder<'_>) -> Result<PeerMetadata, DecodeError> {
    let len = read_map_len(d, "peerMetadata")?;
    let mut metadata = PeerMetadata::default();
    for _ in 0..len {
        match d.str()? {
            "storageId" if d.datatype()? == Type::String => {
                metadata.storage_id = Some(d.str()?.to_owned())
            }
            "isEphemeral" if d.datatype()? == Type::Bool => metadata.is_ephemeral = d.bool()?,
            _ => d.skip()?,
        }
    }
    Ok(metadata)
}

fn read_count(d: &mut Decoder<'_>) -> Result<u64, DecodeError> {
    // JS encoders may write integral numbers as floats.
    match d.datatype()? {
        Type::F16 | Type::F32 | Type::F64 => {
            let f = d.f64()?;
            if f >= 0.0 && f.fract() == 0.0 {
                Ok(f as u64)
            } else {
                Err(DecodeError::WrongType {
                    field: "count".into(),
                    expected: "unsigned integer",
                    found: f.to_string(),
                })
            }
        }
        _ => {
            expect_type(
                d,
                "count",
                "unsigned integer",
                &[Type::U8, Type::U16, Type::U32, Type::U64],
            )?;
            Ok(d.u64()?)
        }
    }
}

impl WireMessage {
    /// The `type` field of this message.
    pub fn message_type(&self) -> &str {
        match self {
            Self::Join { .. } => "join",
            Self::Peer { .. } => "peer",
            Self::Leave { .. } => "leave",
            Self::Request { .. } => "request",
            Self::Sync { .. } => "sync",
            Self::DocUnavailable { .. } => "doc-unavailable",
            Self::Ephemeral { .. } => "ephemeral",
            Self::Error { .. } => "error",
            Self::Other { message_type } => message_type,
        }
    }

    /// The document this message is about, if any.
    pub fn document_id(&self) -> Option<DocumentId> {
        match self {
            Self::Request { document_id, .. }
            | Self::Sync { document_id, .. }
            | Self::DocUnavailable { document_id, .. }
            | Self::Ephemeral { document_id, .. } => Some(*document_id),
            _ => None,
        }
    }

    /// Decodes one message; every failure names what was wrong.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut d = Decoder::new(bytes);
        if d.datatype().map_err(DecodeError::from)? != Type::Map {
            return Err(DecodeError::NotAMap);
        }
        let len = d.map()?.ok_or(DecodeError::NotAMap)?;
        let mut f = Fields::default();
        for _ in 0..len {
            let key = read_str(&mut d, "map key")?;
            match key.as_str() {
                "type" => f.message_type = Some(read_str(&mut d, "type")?),
                "senderId" => f.sender_id = Some(read_str(&mut d, "senderId")?),
                "targetId" => f.target_id = Some(read_str(&mut d, "targetId")?),
                "documentId" => f.document_id = Some(read_str(&mut d, "documentId")?.parse()?),
                "data" => f.data = Some(read_bytes(&mut d, "data")?),
                "supportedProtocolVersions" => {
                    expect_type(&mut d, "supportedProtocolVersions", "array", &[Type::Array])?;
                    let n = d.array()?.ok_or(DecodeError::WrongType {
                        field: "supportedProtocolVersions".into(),
                        expected: "definite-length array",
                        found: "indefinite array".into(),
                    })?;
                    let mut versions = Vec::new();
                    for _ in 0..n {
                        versions.push(read_str(&mut d, "supportedProtocolVersions")?);
                    }
                    f.versions = Some(versions);
                }
                "selectedProtocolVersion" => {
                    f.selected_version = Some(read_str(&mut d, "selectedProtocolVersion")?)
                }
                "peerMetadata" | "metadata" => f.metadata = Some(read_metadata(&mut d)?),
                "message" => f.message = Some(read_str(&mut d, "message")?),
                "sessionId" => f.session_id = Some(read_str(&mut d, "sessionId")?),
                "count" => f.count = Some(read_count(&mut d)?),
                _ => d.skip()?,
            }
        }
        let rest = bytes.len() - d.position();
        if rest != 0 {
            return Err(DecodeError::TrailingBytes(rest));
        }
        let t = f.message_type.take().ok_or(DecodeError::MissingType)?;
        let peer = |v: Option<String>, field| Fields::take(v, &t, field).map(PeerId::new);
        let msg = match t.as_str() {
            "join" => Self::Join {
                sender_id: peer(f.sender_id, "senderId")?,
                supported_protocol_versions: Fields::take(
                    f.versions,
                    &t,
                    "supportedProtocolVersions",
                )?,
                metadata: f.metadata,
            },
            "peer" => Self::Peer {
                sender_id: peer(f.sender_id, "senderId")?,
                target_id: peer(f.target_id, "targetId")?,
                selected_protocol_version: Fields::take(
                    f.selected_version,
                    &t,
                    "selectedProtocolVersion",
                )?,
                metadata: f.metadata,
            },
            "leave" => Self::Leave {
                sender_id: peer(f.sender_id, "senderId")?,
            },
            "request" | "sync" => {
                let document_id = Fields::take(f.document_id, &t, "documentId")?;
                let sender_id = peer(f.sender_id, "senderId")?;
                let target_id = peer(f.target_id, "targetId")?;
                let data = Fields::take(f.data, &t, "data")?;
                if t == "request" {
                    Self::Request {
                        document_id,
                        sender_id,
                        target_id,
                        data,
                    }
                } else {
                    Self::Sync {
                        document_id,
                        sender_id,
                        target_id,
                        data,
                    }
                }
            }
            "doc-unavailable" => Self::DocUnavailable {
                document_id: Fields::take(f.document_id, &t, "documentId")?,
                sender_id: peer(f.sender_id, "senderId")?,
                target_id: peer(f.target_id, "targetId")?,
            },
            "ephemeral" => Self::Ephemeral {
                document_id: Fields::take(f.document_id, &t, "documentId")?,
                sender_id: peer(f.sender_id, "senderId")?,
                target_id: peer(f.target_id, "targetId")?,
                count: Fields::take(f.count, &t, "count")?,
                session_id: Fields::take(f.session_id, &t, "sessionId")?,
                data: Fields::take(f.data, &t, "data")?,
            },
            "error" => Self::Error {
                message: Fields::take(f.message, &t, "message")?,
            },
            _ => Self::Other { message_type: t },
        };
        Ok(msg)
    }

    /// Encodes the message as the JS peers do.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::new(Vec::new());
        // Writing into a Vec cannot fail.
        self.encode_into(&mut e)
            .expect("encoding into a Vec is infallible");
        e.into_writer()
    }

    fn encode_into(
        &self,
        e: &mut Encoder<Vec<u8>>,
    ) -> Result<(), minicbor::encode::Error<std::convert::Infallible>> {
        fn metadata(
            e: &mut Encoder<Vec<u8>>,
            m: &PeerMetadata,
        ) -> Result<(), minicbor::encode::Error<std::convert::Infallible>> {
            e.str("peerMetadata")?;
            e.map(if m.storage_id.is_some() { 2 } else { 1 })?;
            if let Some(id) = &m.storage_id {
                e.str("storageId")?.str(id)?;
            }
            e.str("isEphemeral")?.bool(m.is_ephemeral)?;
            Ok(())
        }
        match self {
            Self::Join {
                sender_id,
                supported_protocol_versions,
                metadata: m,
            } => {
                e.map(3 + u64::from(m.is_some()))?;
                e.str("type")?.str("join")?;
                e.str("senderId")?.str(sender_id.as_str())?;
                e.str("supportedProtocolVersions")?
                    .array(supported_protocol_versions.len() as u64)?;
                for v in supported_protocol_versions {
                    e.str(v)?;
                }
                if let Some(m) = m {
                    metadata(e, m)?;
                }
            }
            Self::Peer {
                sender_id,
                target_id,
                selected_protocol_version,
                metadata: m,
            } => {
                e.map(4 + u64::from(m.is_some()))?;
                e.str("type")?.str("peer")?;
                e.str("senderId")?.str(sender_id.as_str())?;
                e.str("targetId")?.str(target_id.as_str())?;
                e.str("selectedProtocolVersion")?
                    .str(selected_protocol_version)?;
                if let Some(m) = m {
                    metadata(e, m)?;
                }
            }
            Self::Leave { sender_id } => {
                e.map(2)?;
                e.str("type")?.str("leave")?;
                e.str("senderId")?.str(sender_id.as_str())?;
            }
            Self::Request {
                document_id,
                sender_id,
                target_id,
                data,
            }
            | Self::Sync {
                document_id,
                sender_id,
                target_id,
                data,
            } => {
                e.map(5)?;
                e.str("type")?.str(self.message_type())?;
                e.str("documentId")?.str(&document_id.to_string())?;
                e.str("senderId")?.str(sender_id.as_str())?;
                e.str("targetId")?.str(target_id.as_str())?;
                e.str("data")?.bytes(data)?;
            }
            Self::DocUnavailable {
                document_id,
                sender_id,
                target_id,
            } => {
                e.map(4)?;
                e.str("type")?.str("doc-unavailable")?;
                e.str("documentId")?.str(&document_id.to_string())?;
                e.str("senderId")?.str(sender_id.as_str())?;
                e.str("targetId")?.str(target_id.as_str())?;
            }
            Self::Ephemeral {
                document_id,
                sender_id,
                target_id,
                count,
                session_id,
                data,
            } => {
                e.map(7)?;
                e.str("type")?.str("ephemeral")?;
                e.str("documentId")?.str(&document_id.to_string())?;
                e.str("senderId")?.str(sender_id.as_str())?;
                e.str("targetId")?.str(target_id.as_str())?;
                e.str("count")?.u64(*count)?;
                e.str("sessionId")?.str(session_id)?;
                e.str("data")?.bytes(data)?;
            }
            Self::Error { message } => {
                e.map(2)?;
                e.str("type")?.str("error")?;
                e.str("message")?.str(message)?;
            }
            Self::Other { message_type } => {
                e.map(1)?;
                e.str("type")?.str(message_type)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> DocumentId {
        DocumentId::from_bytes([3; 16])
    }
    fn a() -> PeerId {
        PeerId::new("device-a")
    }
    fn r() -> PeerId {
        PeerId::new("relay")
    }

    fn every_message() -> Vec<WireMessage> {
        vec![
            WireMessage::Join {
                sender_id: a(),
                supported_protocol_versions: vec!["1".into()],
                metadata: Some(PeerMetadata {
                    storage_id: Some("s1".into()),
                    is_ephemeral: false,
                }),
            },
            WireMessage::Join {
                sender_id: a(),
                supported_protocol_versions: vec!["1".into()],
                metadata: None,
            },
            WireMessage::Peer {
                sender_id: r(),
                target_id: a(),
                selected_protocol_version: "1".into(),
                metadata: Some(PeerMetadata {
                    storage_id: None,
                    is_ephemeral: true,
                }),
            },
            WireMessage::Leave { sender_id: a() },
            WireMessage::Request {
                document_id: doc(),
                sender_id: a(),
                target_id: r(),
                data: vec![1, 2, 3],
            },
            WireMessage::Sync {
                document_id: doc(),
                sender_id: r(),
                target_id: a(),
                data: vec![],
            },
            WireMessage::DocUnavailable {
                document_id: doc(),
                sender_id: r(),
                target_id: a(),
            },
            WireMessage::Ephemeral {
                document_id: doc(),
                sender_id: a(),
                target_id: r(),
                count: 9,
                session_id: "sess".into(),
                data: vec![0xff],
            },
            WireMessage::Error {
                message: "nope".into(),
            },
            WireMessage::Other {
                message_type: "remote-heads-changed".into(),
            },
        ]
    }

    #[test]
    fn every_message_type_round_trips() {
        for msg in every_message() {
            let bytes = msg.encode();
            assert_eq!(
                WireMessage::decode(&bytes).unwrap(),
                msg,
                "{}",
                msg.message_type()
            );
        }
    }

    #[test]
    fn decodes_what_js_writes() {
        // A sync message shaped like cbor-x's output: `type` last, extra
        // fields, `count` as a float, unknown keys with nested values.
        let mut e = Encoder::new(Vec::new());
        e.map(8).unwrap();
        e.str("senderId").unwrap().str("js-peer").unwrap();
        e.str("targetId").unwrap().str("relay").unwrap();
        e.str("documentId")
            .unwrap()
            .str(&doc().to_string())
            .unwrap();
        e.str("count").unwrap().f64(3.0).unwrap();
        e.str("sessionId").unwrap().str("s").unwrap();
        e.str("data").unwrap().bytes(&[5]).unwrap();
        e.str("unknown")
            .unwrap()
            .map(1)
            .unwrap()
            .str("x")
            .unwrap()
            .array(0)
            .unwrap();
        e.str("type").unwrap().str("ephemeral").unwrap();
        let msg = WireMessage::decode(&e.into_writer()).unwrap();
        assert!(matches!(msg, WireMessage::Ephemeral { count: 3, .. }));
    }

    #[test]
    fn accepts_metadata_under_either_key() {
        let mut e = Encoder::new(Vec::new());
        e.map(4).unwrap();
        e.str("type").unwrap().str("join").unwrap();
        e.str("senderId").unwrap().str("x").unwrap();
        e.str("supportedProtocolVersions")
            .unwrap()
            .array(1)
            .unwrap()
            .str("1")
            .unwrap();
        e.str("metadata")
            .unwrap()
            .map(1)
            .unwrap()
            .str("isEphemeral")
            .unwrap()
            .bool(true)
            .unwrap();
        let msg = WireMessage::decode(&e.into_writer()).unwrap();
        let WireMessage::Join {
            metadata: Some(m), ..
        } = msg
        else {
            panic!("{msg:?}")
        };
        assert!(m.is_ephemeral);
    }

    #[test]
    fn rejects_malformed_bytes_with_clear_errors() {
        assert_eq!(
            WireMessage::decode(&[]).unwrap_err().to_string(),
            "malformed CBOR in protocol message: end of input bytes"
        );
        assert_eq!(WireMessage::decode(&[0x01]), Err(DecodeError::NotAMap));
        // Truncated: a map announcing two entries with one.
        let mut e = Encoder::new(Vec::new());
        e.map(2).unwrap().str("type").unwrap().str("sync").unwrap();
        assert!(matches!(
            WireMessage::decode(&e.into_writer()),
            Err(DecodeError::Cbor(_))
        ));
        // No type.
        let mut e = Encoder::new(Vec::new());
        e.map(1).unwrap().str("senderId").unwrap().str("x").unwrap();
        assert_eq!(
            WireMessage::decode(&e.into_writer()),
            Err(DecodeError::MissingType)
        );
        // Sync without data.
        let mut e = Encoder::new(Vec::new());
        e.map(4).unwrap();
        e.str("type").unwrap().str("sync").unwrap();
        e.str("documentId")
            .unwrap()
            .str(&doc().to_string())
            .unwrap();
        e.str("senderId").unwrap().str("x").unwrap();
        e.str("targetId").unwrap().str("y").unwrap();
        let err = WireMessage::decode(&e.into_writer()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"sync\" message is missing the field \"data\""
        );
        // data as text instead of bytes.
        let mut e = Encoder::new(Vec::new());
        e.map(2).unwrap().str("type").unwrap().str("sync").unwrap();
        e.str("data").unwrap().str("abc").unwrap();
        assert!(matches!(
            WireMessage::decode(&e.into_writer()),
            Err(DecodeError::WrongType { .. })
        ));
        // A bad document id.
        let mut e = Encoder::new(Vec::new());
        e.map(2).unwrap().str("type").unwrap().str("sync").unwrap();
        e.str("documentId").unwrap().str("not-base58!").unwrap();
        assert!(matches!(
            WireMessage::decode(&e.into_writer()),
            Err(DecodeError::DocumentId(_))
        ));
        // Trailing garbage.
        let mut bytes = WireMessage::Leave { sender_id: a() }.encode();
        bytes.push(0);
        assert_eq!(
            WireMessage::decode(&bytes),
            Err(DecodeError::TrailingBytes(1))
        );
        // Indefinite-length map.
        assert_eq!(
            WireMessage::decode(&[0xbf, 0xff]),
            Err(DecodeError::NotAMap)
        );
    }
}
