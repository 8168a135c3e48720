/// Ids unique across processes and restarts without a syscall each (the invoke path makes
/// two per call): `PREFIX_` + 12 hex digits drawn at random once per process + `_` + a counter
/// in hex.
struct IDSequence {
    private let stem: String
    private var counter: UInt64 = 0

    init(prefix: String) {
        var generator = SystemRandomNumberGenerator()
        let random = String(generator.next() & 0xffff_ffff_ffff, radix: 16)
        stem = prefix + "_" + String(repeating: "0", count: 12 - random.count) + random + "_"
    }

    mutating func next() -> String {
        counter += 1
        return stem + String(counter, radix: 16)
    }
}
