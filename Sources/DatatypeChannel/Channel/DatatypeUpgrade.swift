#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A conversion from an older version of a datatype to the version a channel carries, so the
/// channel keeps accepting what producers not yet upgraded send.
///
/// The older version is a type of its own, with the same ``Datatype/typeName`` and its own
/// ``Datatype/schemaVersion``:
///
/// ```swift
/// let customers = TypedChannel(CustomerV2.self, upgrading: [
///     DatatypeUpgrade(from: CustomerV1.self) { v1 in CustomerV2(id: v1.id, name: v1.name, email: nil) }
/// ])
/// ```
///
/// An older payload is read and validated as its own version, then converted; the result is
/// validated again as the current version.
public struct DatatypeUpgrade<Payload: Datatype>: Sendable {
    /// The version this conversion reads.
    public let version: Int
    let typeName: String
    let read: @Sendable (Data) throws(DatatypeError) -> Payload

    /// A conversion from `older` to `Payload`.
    ///
    /// - Parameters:
    ///   - older: The older version's type.
    ///   - convert: Makes the current version of an older value; an error it throws makes the
    ///     message ``DatatypeError/Code/invalid``.
    public init<Older: Datatype>(
        from older: Older.Type,
        _ convert: @escaping @Sendable (Older) throws -> Payload
    ) {
        version = Older.schemaVersion
        typeName = Older.typeName
        read = { payload throws(DatatypeError) in
            let value = try Older(payload: payload)
            try value.validate()
            do {
                return try convert(value)
            } catch let error as DatatypeError {
                throw error
            } catch {
                throw DatatypeError(
                    .invalid,
                    "A \(Older.typeName) v\(Older.schemaVersion) could not be upgraded to v\(Payload.schemaVersion): \(error)."
                )
            }
        }
    }
}
