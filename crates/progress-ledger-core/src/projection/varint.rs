//! LEB128 integers and zigzag signs, for the compact encodings of updates and snapshot parts.

/// Appends `value` in LEB128: seven bits a byte, low bits first, the high bit set on every
/// byte but the last.
pub(crate) fn put(out: &mut Vec<u8>, mut value: u128) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The LEB128 integer at `*pos` in `bytes`, moving `*pos` past it; `None` if the bytes end
/// first or it overflows 128 bits.
pub(crate) fn read(bytes: &[u8], pos: &mut usize) -> Option<u128> {
    let mut value = 0u128;
    for shift in (0..128).step_by(7) {
        let byte = *bytes.get(*pos)?;
        *pos += 1;
        value |= u128::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// [`read`] for an integer of at most 64 bits, in 64-bit arithmetic (for hot loops).
pub(crate) fn read_u64(bytes: &[u8], pos: &mut usize) -> Option<u64> {
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

/// `value` with its sign in the lowest bit, so that small negative numbers stay small.
pub(crate) fn zigzag(value: i128) -> u128 {
    ((value << 1) ^ (value >> 127)) as u128
}

/// The signed number [`zigzag`] made `value` from.
pub(crate) fn unzigzag(value: u128) -> i128 {
    ((value >> 1) as i128) ^ -((value & 1) as i128)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn integers_read_back_as_put(values in prop::collection::vec(any::<i128>(), 0..20)) {
            let mut bytes = Vec::new();
            for &value in &values {
                put(&mut bytes, zigzag(value));
            }
            let mut pos = 0;
            for &value in &values {
                prop_assert_eq!(read(&bytes, &mut pos).map(unzigzag), Some(value));
            }
            prop_assert_eq!(pos, bytes.len());
            prop_assert_eq!(read(&bytes, &mut pos), None);
        }

        #[test]
        fn integers_of_64_bits_read_back_alike(value in any::<u64>()) {
            let mut bytes = Vec::new();
            put(&mut bytes, u128::from(value));
            let mut pos = 0;
            prop_assert_eq!(read_u64(&bytes, &mut pos), Some(value));
            prop_assert_eq!(pos, bytes.len());
        }
    }

    #[test]
    fn small_numbers_of_either_sign_take_one_byte() {
        for value in [-64, -1, 0, 1, 63] {
            let mut bytes = Vec::new();
            put(&mut bytes, zigzag(value));
            assert_eq!(bytes.len(), 1, "{value}");
        }
    }
}
