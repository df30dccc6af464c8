import Foundation
import Hummingbird

/// An HTTP error answered as JSON: `{"error": "...", "field": "..."}`, the field present when
/// one field of the request was wrong.
public struct APIError: Error, HTTPResponseError, Equatable {
    /// The response's status.
    public var status: HTTPResponse.Status
    /// What was wrong, said for the client: the answer's `error`.
    public var message: String
    /// The request field at fault, when one was: the answer's `field`.
    public var field: String?

    /// Creates an error answered with `status`.
    public init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) {
        self.status = status
        self.message = message
        self.field = field
    }

    /// The answer's body.
    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [("error", .string(message))]
        if let field {
            fields.append(("field", .string(field)))
        }
        return .object(fields)
    }

    /// The answer: ``json`` with ``status``.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response.json(json, status: status)
    }

    /// The request body did not decode: says which field was wrong and why.
    public static func invalidBody(_ error: DecodingError) -> APIError {
        func name(_ path: [any CodingKey]) -> String? {
            let names = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? nil : names.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = name(context.codingPath + [key]) ?? key.stringValue
            return APIError(.badRequest, "missing field '\(field)'", field: field)
        case .typeMismatch(let type, let context):
            guard let field = name(context.codingPath) else {
                return APIError(.badRequest, "the body must be a JSON object")
            }
            return APIError(.badRequest, "field '\(field)' must be \(describe(type))", field: field)
        case .valueNotFound(let type, let context):
            let field = name(context.codingPath) ?? "body"
            return APIError(.badRequest, "field '\(field)' must be \(describe(type)), not null", field: field)
        case .dataCorrupted(let context):
            guard let field = name(context.codingPath) else {
                return APIError(.badRequest, "the body is not valid JSON")
            }
            return APIError(.badRequest, "field '\(field)' \(context.debugDescription)", field: field)
        @unknown default:
            return APIError(.badRequest, "the body is not a valid order")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        default: "an object"
        }
    }
}

extension Response {
    /// A JSON response with `value` as its body.
    public static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var buffer = ByteBuffer()
        buffer.writeString(value.text + "\n")
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: buffer)
        )
    }
}
