import MessageBus
import Messaging
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Asks typed queries and answers them: over the transport with request-reply, or in process.
///
/// A handler registered with ``register(_:handler:)`` answers queries asked in this process
/// with ``ask(_:timeout:)`` and, when the query bus has a `Bus`, those that arrive
/// on the query's topic `<topicPrefix>.<messageType>`. ``ask(_:timeout:)`` calls a handler in
/// this process when there is one, and sends the query over the transport otherwise.
///
/// ```swift
/// let queries = QueryBus(bus: bus, requester: requester)
/// try queries.register(RuleByID.self) { query in try await readModel.rule(query.id) }
/// let rule = try await queries.ask(RuleByID(id: 1), timeout: .seconds(2))
/// ```
public final class QueryBus: Sendable {
    /// The first part of every query topic. Default: `queries`.
    public let topicPrefix: String
    private let bus: Bus?
    private let requester: Requester?
    private let sleep: @Sendable (Duration) async throws -> Void
    private let codec = JSONMessageCodec()
    private let handlers = Mutex<[String: any Sendable]>([:])

    /// Creates a query bus.
    ///
    /// - Parameters:
    ///   - bus: The bus queries from the transport are answered on; `nil` for in process only.
    ///   - requester: Sends queries with no handler in this process; `nil` for in process only.
    ///   - topicPrefix: The first part of every query topic. Default: `queries`.
    ///   - clock: The clock in-process timeouts are measured on. Default: `ContinuousClock`.
    public init(
        bus: Bus? = nil,
        requester: Requester? = nil,
        topicPrefix: String = "queries",
        clock: some Clock<Duration> = ContinuousClock()
    ) {
        self.bus = bus
        self.requester = requester
        self.topicPrefix = topicPrefix
        self.sleep = { duration in try await clock.sleep(for: duration) }
    }

    /// The topic queries of type `type` travel on.
    public func topic<Q: Query>(for type: Q.Type) -> String {
        "\(topicPrefix).\(Q.messageType)"
    }

    /// Registers the one handler of queries of type `type`.
    ///
    /// - Throws: ``CQRSError/Code/duplicateHandler`` when the type has a handler;
    ///   ``CQRSError/Code/invalidConfiguration`` when the bus refuses the registration.
    public func register<Q: Query>(
        _ type: Q.Type,
        handler: @escaping @Sendable (Q) async throws -> Q.Result
    ) throws(CQRSError) {
        let inserted = handlers.withLock { handlers in
            guard handlers[Q.messageType] == nil else {
                return false
            }
            handlers[Q.messageType] = handler
            return true
        }
        guard inserted else {
            throw CQRSError(
                .duplicateHandler,
                "Query type '\(Q.messageType)' already has a handler.",
                messageType: Q.messageType
            )
        }
        guard let bus else {
            return
        }
        do {
            try bus.handle(
                from: topic(for: Q.self),
                group: "\(topicPrefix).\(Q.messageType)",
                name: "query \(Q.messageType)"
            ) { message, context in
                let reply: Reply<Q.Result>
                do {
                    let query = try message.decode(Q.self, codec: self.codec)
                    reply = Reply(.success(try await handler(query)))
                } catch {
                    reply = Reply(.failure(.init(Self.failure(error, type: Q.self))))
                }
                guard message.replyTo != nil else {
                    return []
                }
                let answer = Message(
                    type: "\(Q.messageType).answer",
                    dataContentType: self.codec.contentType,
                    payload: try self.codec.encode(reply)
                )
                return [try context.reply(answer)]
            }
        } catch {
            _ = handlers.withLock { $0.removeValue(forKey: Q.messageType) }
            throw CQRSError(.invalidConfiguration, error.reason, messageType: Q.messageType)
        }
    }

    /// Answers `query`: in process if a handler is registered here, otherwise over the transport.
    ///
    /// - Throws: ``CQRSError/Code/queryTimedOut`` when no answer comes within `timeout`;
    ///   ``CQRSError/Code/queryFailed`` (or the handler's own ``CQRSError``) when the handler
    ///   failed; ``CQRSError/Code/noHandler`` when no handler is here and there is no requester;
    ///   ``CQRSError/Code/notDelivered`` when the query cannot be published or the requester stopped.
    public func ask<Q: Query>(_ query: Q, timeout: Duration = .seconds(30)) async throws(CQRSError) -> Q.Result {
        let local = handlers.withLock { $0[Q.messageType] as? @Sendable (Q) async throws -> Q.Result }
        if let local {
            return try await askInProcess(query, handler: local, timeout: timeout)
        }
        guard let requester else {
            throw CQRSError(
                .noHandler,
                "No handler for query '\(Q.messageType)' in this process, and no requester to send it with.",
                messageType: Q.messageType
            )
        }
        let answer: Message
        do {
            answer = try await requester.request(
                try Message(query, codec: codec),
                to: topic(for: Q.self),
                timeout: timeout
            )
        } catch let error as MessageBusError where error.code == .requestTimedOut {
            throw timedOut(query, timeout: timeout, cause: nil)
        } catch {
            throw CQRSError(
                .notDelivered,
                "Query '\(Q.messageType)' could not be sent or answered: \(error)",
                isRetriable: true,
                messageType: Q.messageType
            )
        }
        let reply: Reply<Q.Result>
        do {
            reply = try answer.decode(Reply<Q.Result>.self, codec: codec)
        } catch {
            throw CQRSError(.codingFailed, "The answer does not decode: \(error.reason)", messageType: Q.messageType)
        }
        let result: Q.Result
        switch reply.outcome {
        case .success(let value):
            result = value
        case .failure(let failure):
            throw failure.error(messageType: Q.messageType)
        }
        return result
    }

    private func askInProcess<Q: Query>(
        _ query: Q,
        handler: @escaping @Sendable (Q) async throws -> Q.Result,
        timeout: Duration
    ) async throws(CQRSError) -> Q.Result {
        let sleep = sleep
        let answer: Result<Q.Result, any Error>?
        do {
            answer = try await withDeadline({ try await sleep(timeout) }) {
                do {
                    return .success(try await handler(query))
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            throw timedOut(query, timeout: timeout, cause: error)
        }
        switch answer {
        case .success(let result):
            return result
        case .failure(let error):
            throw Self.failure(error, type: Q.self)
        case nil:
            throw timedOut(query, timeout: timeout, cause: nil)
        }
    }

    private func timedOut<Q: Query>(_ query: Q, timeout: Duration, cause: (any Error)?) -> CQRSError {
        let detail = cause.map { ": \($0)" } ?? ""
        return CQRSError(
            .queryTimedOut,
            "No answer to query '\(Q.messageType)' within \(timeout)\(detail).",
            isRetriable: true,
            messageType: Q.messageType
        )
    }

    private static func failure<Q: Query>(_ error: any Error, type: Q.Type) -> CQRSError {
        if let error = error as? CQRSError {
            return error
        }
        return CQRSError(
            .queryFailed,
            "The handler of '\(Q.messageType)' failed: \(error)",
            isRetriable: (error as? any ClassifiedError)?.isRetriable ?? false,
            messageType: Q.messageType
        )
    }
}
