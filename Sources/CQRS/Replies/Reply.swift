/// The payload of an answer to a command or a query: a result, or the failure that replaced it.
struct Reply<Result: Codable>: Codable {
    /// Why the handler refused: an error's code, reason and field.
    struct Failure: Codable, Error {
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

    private enum CodingKeys: String, CodingKey {
        case result, failure, consistencyToken
    }

    /// The result, or the failure that replaced it.
    var outcome: Swift.Result<Result, Failure>
    var consistencyToken: ConsistencyToken?

    init(_ outcome: Swift.Result<Result, Failure>, consistencyToken: ConsistencyToken? = nil) {
        self.outcome = outcome
        self.consistencyToken = consistencyToken
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        consistencyToken = try container.decodeIfPresent(ConsistencyToken.self, forKey: .consistencyToken)
        if let failure = try container.decodeIfPresent(Failure.self, forKey: .failure) {
            outcome = .failure(failure)
        } else {
            // Decoded as `Result` itself, so that an optional result of `nil` is a result.
            outcome = .success(try container.decode(Result.self, forKey: .result))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(consistencyToken, forKey: .consistencyToken)
        switch outcome {
        case .success(let result):
            try container.encode(result, forKey: .result)
        case .failure(let failure):
            try container.encode(failure, forKey: .failure)
        }
    }
}

/// A reply that carries no result: how a failure is encoded whatever the result type.
struct Nothing: Codable {}
