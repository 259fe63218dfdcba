//! The few pieces of Automerge's binary format that are read without
//! decoding a whole document or message: chunk headers and LEB128 numbers.
//! Shared by the core (authors of a message) and the relay (heads of a
//! message or snapshot, for its durability ledger).

/// The first four bytes of every Automerge storage chunk.
pub const CHUNK_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// An unsigned LEB128 number at `pos`, advancing `pos` past it.
pub fn read_uleb(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_numbers_read_as_written() {
        let mut pos = 0;
        assert_eq!(
            read_uleb(&[0xe5, 0x8e, 0x26, 0x01], &mut pos),
            Some(624_485)
        );
        assert_eq!(pos, 3);
        assert_eq!(read_uleb(&[0x01], &mut 0), Some(1));
        assert_eq!(read_uleb(&[0x80], &mut 0), None, "truncated");
    }
}
