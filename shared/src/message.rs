//! Words for a person, as a code and its arguments. The core says *what*
//! happened ("indicator below its threshold", "field required"); the
//! language the device is set to says it (`ntm-i18n`).

/// A message: the code of a text in the locale files and its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The text's id in `i18n/locales/*.ftl`.
    pub code: &'static str,
    /// Named arguments the text refers to.
    pub args: Vec<(&'static str, Arg)>,
}

/// One argument of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Words from the data (a name, a village), shown as they are.
    Text(String),
    /// A whole number, grouped by the language's rules.
    Int(i64),
    /// A decimal with a fixed number of fraction digits.
    Decimal {
        /// The value.
        value: f64,
        /// Fraction digits shown.
        digits: u8,
    },
    /// Another message, said in the same language (a field's name, say).
    Message(Box<Message>),
}

impl Message {
    /// A message with no arguments yet.
    pub fn new(code: &'static str) -> Self {
        Message {
            code,
            args: Vec::new(),
        }
    }

    /// Adds an argument.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }
}

impl From<Message> for Arg {
    fn from(m: Message) -> Self {
        Arg::Message(Box::new(m))
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_owned())
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}

impl From<u8> for Arg {
    fn from(n: u8) -> Self {
        Arg::Int(i64::from(n))
    }
}

impl From<u32> for Arg {
    fn from(n: u32) -> Self {
        Arg::Int(i64::from(n))
    }
}

impl From<i32> for Arg {
    fn from(n: i32) -> Self {
        Arg::Int(i64::from(n))
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
