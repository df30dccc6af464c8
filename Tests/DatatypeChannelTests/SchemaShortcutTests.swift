import Foundation
import Testing

@testable import DatatypeChannel

/// The quick checks — `JSONSchema.admits(_:)` on receiving, `JSONSchema.check(encoding:)` on
/// sending — must agree with the thorough check through `JSONDecoder` on every input: the
/// same value, or the same error naming the same field.
@Suite("Quick schema checks agree with the thorough one")
struct SchemaShortcutTests {
    struct Address: Codable, Equatable {
        var city: String
        var zip: String?
    }

    struct Shipment: JSONDatatype, Equatable {
        static let typeName = "shipment"
        static let schemaVersion = 1
        static let schema: JSONSchema = .object([
            .init("id", .string(minLength: 2)),
            .init("count", .integer(minimum: 1)),
            .init("weight", .number(minimum: 0)),
            .init("fragile", .boolean),
            .init("tags", .array(of: .string(minLength: 1))),
            .init(
                "address",
                .object([.init("city", .string(minLength: 1)), .init("zip", .string(), isRequired: false)])
            ),
            .init("note", .string(), isRequired: false),
            .init("extra", .object([], additionalProperties: true), isRequired: false),
        ])

        var id: String
        var count: Int
        var weight: Double
        var fragile: Bool
        var tags: [String]
        var address: Address
        var note: String?
        var extra: [String: Int]?
    }

    static let valid =
        #"{"id":"S-1","count":2,"weight":1.5,"fragile":true,"tags":["a","b"],"address":{"city":"Lima","zip":"15001"},"note":"ok","extra":{"x":1}}"#

    /// Payloads at the edges of JSON and of the schema.
    static let edges: [String] = [
        valid,
        #"  {"id" : "S-1" , "count" : 2 , "weight" : 0 , "fragile" : false , "tags" : [ ] , "address" : { "city" : "Lima" } }  "#,
        #"{"id":"é1","count":1,"weight":0,"fragile":true,"tags":["é"],"address":{"city":"Lima"}}"#,
        #"{"id":"é","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"e\u0301","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        "{\"id\":\"e\u{0301}\",\"count\":1,\"weight\":0,\"fragile\":true,\"tags\":[],\"address\":{\"city\":\"Lima\"}}",
        "{\"id\":\"👍🏽\",\"count\":1,\"weight\":0,\"fragile\":true,\"tags\":[],\"address\":{\"city\":\"Lima\"}}",
        #"{"id":"a\"b","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"\\"}}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":["\ud83d\ude00"],"address":{"city":"\ud800"}}"#,
        #"{"id":"ab","count":1.0,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":1e2,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":-0,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":01,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":9223372036854775807,"weight":1e308,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":9223372036854775808,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":1,"weight":1e400,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":1,"weight":-0.0,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":1,"weight":-1E-3,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":null,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"},"note":null}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"},"extra":{"x":"y"}}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima","country":"PE"}}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"},"id":"cd"}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"},"\u0069d2":1}"#,
        #"{"\u0069d":"ab","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"},}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":[,],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"}} x"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":[],"address":[]}"#,
        #"{"id":"ab","count":"1","weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":"true","tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":tru,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":[[]],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":[""],"address":{"city":"Lima"}}"#,
        "{\"id\":\"a\tb\",\"count\":1,\"weight\":0,\"fragile\":true,\"tags\":[],\"address\":{\"city\":\"Lima\"}}",
        #"{"id":"a\qb","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"{"id":"ab","count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"},"extra":{"x":{"y":[1,{"z":null}]}}}"#,
        #"{"count":1,"weight":0,"fragile":true,"tags":[],"address":{"city":"Lima"}}"#,
        #"[]"#, #""shipment""#, "", " ", "null", "{}",
        String(repeating: "[", count: 200),
    ]

    /// The valid payload with one byte removed, and with each byte replaced by one of several
    /// others: hundreds of nearly valid payloads.
    static var mutations: [Data] {
        let bytes = Array(valid.utf8)
        var payloads: [Data] = []
        for position in bytes.indices {
            var removed = bytes
            removed.remove(at: position)
            payloads.append(Data(removed))
            for replacement in #"" 0-1x{}[],:.e\"#.utf8 where replacement != bytes[position] {
                var replaced = bytes
                replaced[position] = replacement
                payloads.append(Data(replaced))
            }
        }
        return payloads
    }

    @Test func receivingAgreesOnEdgeCases() {
        for payload in Self.edges {
            expectAgreement(Data(payload.utf8))
        }
    }

    @Test func receivingAgreesOnMutations() {
        let payloads = Self.mutations
        #expect(payloads.count > 1000)
        for payload in payloads {
            expectAgreement(payload)
        }
    }

    @Test func theQuickCheckAdmitsWhatIsPlainlyValid() throws {
        #expect(Shipment.schema.admits(Data(Self.valid.utf8)))
        #expect(Shipment.schema.admits(Data(Self.edges[1].utf8)))
        #expect(!Shipment.schema.admits(Data(Self.edges[3].utf8)), "'é' is one character, shorter than 2")
    }

    /// Decoding `payload` quickly and thoroughly gives the same value or the same error: a
    /// payload the quick check admits wrongly would decode quickly and fail thoroughly.
    func expectAgreement(_ payload: Data, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = String(decoding: payload, as: UTF8.self)
        let thorough = Result { () throws(DatatypeError) in try Shipment(checkingThoroughly: payload) }
        let quick = Result { () throws(DatatypeError) in try Shipment(payload: payload) }
        switch (thorough, quick) {
        case (.success(let slow), .success(let fast)):
            #expect(slow == fast, "\(text)", sourceLocation: sourceLocation)
        case (.failure(let slow), .failure(let fast)):
            #expect(slow.code == fast.code, "\(text)", sourceLocation: sourceLocation)
            #expect(slow.fieldPath == fast.fieldPath, "\(text)", sourceLocation: sourceLocation)
        default:
            Issue.record("quick \(quick) but thorough \(thorough) for \(text)", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Sending

    static let address = Address(city: "Lima", zip: nil)

    static let values: [Shipment] = [
        Shipment(
            id: "S-1",
            count: 2,
            weight: 1.5,
            fragile: true,
            tags: ["a"],
            address: address,
            note: "ok",
            extra: ["x": 1]
        ),
        Shipment(id: "S-1", count: 1, weight: 0, fragile: false, tags: [], address: address),
        Shipment(id: "é", count: 1, weight: 0, fragile: false, tags: [], address: address),
        Shipment(id: "e\u{301}x", count: 1, weight: 0, fragile: false, tags: [], address: address),
        Shipment(id: "S-1", count: 0, weight: 0, fragile: false, tags: [], address: address),
        Shipment(id: "S-1", count: 1, weight: -0.5, fragile: false, tags: [], address: address),
        Shipment(id: "S-1", count: 1, weight: 0, fragile: false, tags: ["a", ""], address: address),
        Shipment(id: "S-1", count: 1, weight: 0, fragile: false, tags: [], address: Address(city: "", zip: "1")),
        Shipment(id: "S-1", count: .min, weight: .greatestFiniteMagnitude, fragile: false, tags: [], address: address),
    ]

    @Test func sendingAgreesWithCheckingTheWrittenJSON() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for value in Self.values {
            let quick = Result { () throws(DatatypeError) in try value.encoded() }
            let thorough = Result { () throws(DatatypeError) in
                try Shipment(checkingThoroughly: try! encoder.encode(value))
            }
            switch (quick, thorough) {
            case (.success(let payload), .success(let decoded)):
                let written = try encoder.encode(value)
                #expect(decoded == value)
                #expect(payload == written)
            case (.failure(let quick), .failure(let thorough)):
                #expect(quick.code == .invalid)
                #expect(quick.fieldPath == thorough.fieldPath, "\(value)")
            default:
                Issue.record("quick \(quick) but thorough \(thorough) for \(value)")
            }
        }
    }

    /// A record whose hand-written encoding breaks its schema in the way `mistake` says.
    struct Careless: JSONDatatype {
        enum Mistake: CaseIterable {
            case undeclaredField, missingField, stringForInteger, nullForString, arrayForObject
        }

        static let typeName = "careless"
        static let schemaVersion = 1
        static let schema: JSONSchema = .object([
            .init("name", .string()), .init("size", .integer()), .init("place", .object([.init("city", .string())])),
        ])

        var mistake: Mistake

        private enum Keys: String, CodingKey { case name, size, place, city, color }

        init(_ mistake: Mistake) {
            self.mistake = mistake
        }

        init(from decoder: any Decoder) throws {
            mistake = .missingField
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode("box", forKey: .name)
            switch mistake {
            case .stringForInteger: try container.encode("3", forKey: .size)
            case .missingField: break
            default: try container.encode(3, forKey: .size)
            }
            if mistake == .arrayForObject {
                var place = container.nestedUnkeyedContainer(forKey: .place)
                try place.encode("Lima")
            } else {
                var place = container.nestedContainer(keyedBy: Keys.self, forKey: .place)
                if mistake == .nullForString {
                    try place.encodeNil(forKey: .city)
                } else {
                    try place.encode("Lima", forKey: .city)
                }
            }
            if mistake == .undeclaredField {
                try container.encode("red", forKey: .color)
            }
        }
    }

    @Test(arguments: Careless.Mistake.allCases)
    func sendingRefusesAnEncodingThatBreaksTheSchema(_ mistake: Careless.Mistake) throws {
        let error = #expect(throws: DatatypeError.self) { try Careless(mistake).encoded() }
        let expectedField =
            switch mistake {
            case .undeclaredField: "color"
            case .missingField, .stringForInteger: "size"
            case .nullForString: "place.city"
            case .arrayForObject: "place"
            }
        #expect(error?.code == .invalid)
        #expect(error?.fieldPath == expectedField)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let thorough = #expect(throws: DatatypeError.self) {
            try Careless(checkingThoroughly: try encoder.encode(Careless(mistake)))
        }
        #expect(thorough?.fieldPath == expectedField)
    }

    /// Values `JSONEncoder` writes in its own way: data as base64, URLs and dates.
    struct Attachment: JSONDatatype, Equatable {
        static let typeName = "attachment"
        static let schemaVersion = 1
        static let schema: JSONSchema = .object([
            .init("bytes", .string(minLength: 5)), .init("link", .string(minLength: 1)), .init("sent", .number()),
            .init("sizes", .array(of: .integer(minimum: 0))), .init("ratio", .number(minimum: 0)),
        ])

        var bytes: Data
        var link: URL
        var sent: Date
        var sizes: [UInt8]
        var ratio: Float
    }

    @Test func sendingSeesWhatJSONEncoderWrites() throws {
        let value = Attachment(
            bytes: Data([1, 2, 3, 4]),
            link: URL(string: "https://example.com/a")!,
            sent: Date(timeIntervalSinceReferenceDate: 12.5),
            sizes: [0, 255],
            ratio: 0.5
        )
        let payload = try value.encoded()
        #expect(try Attachment(checkingThoroughly: payload) == value)
        var short = value
        short.bytes = Data([1])
        let error = #expect(throws: DatatypeError.self) { try short.encoded() }
        #expect(error?.fieldPath == "bytes")
        var negative = value
        negative.ratio = -1
        #expect(throws: DatatypeError.self) { try negative.encoded() }
    }
}
