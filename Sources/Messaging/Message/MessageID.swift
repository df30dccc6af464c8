import Synchronization

/// Makes the default ``Message/id``: a random (version 4) UUID in its canonical lower-case text
/// form, without a system call per id.
///
/// Foundation's `UUID()` reads the system's random source for every id, which on Linux costs more
/// than publishing the message. Here the system's generator seeds two 64-bit keys once per
/// process; each id then mixes a shared counter with those keys through SplitMix64's finaliser,
/// so ids are as unlikely to collide as random UUIDs, within a process and across processes. They
/// are unique, not secret: don't use them as tokens.
@usableFromInline
enum MessageID {
    private static let keys: (UInt64, UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()
    private static let counter = Atomic<UInt64>(0)

    /// A new id.
    @usableFromInline
    static func next() -> String {
        let count = counter.add(1, ordering: .relaxed).newValue
        let high = mix(count &+ keys.0)
        let low = mix(count ^ keys.1)
        // Version 4 in the high word's bits 12–15, variant 0b10 in the low word's top bits.
        return format(
            high: (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000,
            low: (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        )
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, most significant nibble first.
    private static func format(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            let digits: StaticString = "0123456789abcdef"
            var position = 0
            func write(_ word: UInt64, nibbles: Range<Int>) {
                for nibble in nibbles.reversed() {
                    if position == 8 || position == 13 || position == 18 || position == 23 {
                        buffer[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    buffer[position] = digits.utf8Start[Int((word >> UInt64(nibble * 4)) & 0xF)]
                    position += 1
                }
            }
            write(high, nibbles: 0..<16)
            write(low, nibbles: 0..<16)
            return position
        }
    }
}
