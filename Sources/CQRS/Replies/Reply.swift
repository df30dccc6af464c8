/// The payload of an answer to a command or a query: a result, or the failure that replaced it.
struct Reply<Result: Codable>: Codable {
    /// Why the handler refused: an error's code, reason and field.
    struct Failure: Codable {
        var code: String
        var reason: String
        var fieldPath: String?
        var isRetriable: Bool

        init(_ error: CQRSError) {
            code = error.code.name
            reason = error.reason
            fieldPath = error.fieldPath
            isRetriable = error.isRetriable
        }

        /// The error the sender throws.
        func error(messageType: String) -> CQRSError {
            CQRSError(
                CQRSError.Code(code),
                reason,
                isRetriable: isRetriable,
                fieldPath: fieldPath,
                messageType: messageType
            )
        }
    }

    var result: Result?
    var failure: Failure?
    var consistencyToken: ConsistencyToken?
}

/// A reply that carries no result: how a failure is encoded whatever the result type.
struct Nothing: Codable {}
