//! The WebSocket to the relay, as three callbacks: open, frame, closed.

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BinaryType, MessageEvent, WebSocket};

/// What the socket reports.
pub enum SocketEvent {
    /// Connected.
    Open,
    /// One binary frame.
    Frame(Vec<u8>),
    /// Closed or failed (reported once).
    Closed,
}

/// An open (or opening) WebSocket with its handlers kept alive.
pub struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut()>,
}

impl Socket {
    /// Opens a socket; `on_event` receives every event.
    pub fn open(
        url: &str,
        on_event: impl Fn(SocketEvent) + Clone + 'static,
    ) -> Result<Self, JsValue> {
        let ws = WebSocket::new(url)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let on_open = {
            let f = on_event.clone();
            Closure::<dyn FnMut()>::new(move || f(SocketEvent::Open))
        };
        let on_message = {
            let f = on_event.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                if let Ok(buffer) = e.data().dyn_into::<ArrayBuffer>() {
                    f(SocketEvent::Frame(Uint8Array::new(&buffer).to_vec()));
                }
            })
        };
        let closed = std::rc::Rc::new(std::cell::Cell::new(false));
        let on_close = {
            let f = on_event;
            Closure::<dyn FnMut()>::new(move || {
                if !closed.replace(true) {
                    f(SocketEvent::Closed);
                }
            })
        };
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_close.as_ref().unchecked_ref()));
        Ok(Self {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// Sends one binary frame; `false` if the socket is not open.
    pub fn send(&self, bytes: &[u8]) -> bool {
        self.ws.send_with_u8_array(bytes).is_ok()
    }

    /// Closes the socket (the close event still fires).
    pub fn close(&self) {
        let _ = self.ws.close();
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        let _ = self.ws.close();
    }
}
