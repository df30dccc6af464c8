import MessageBus
import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One heartbeat: an instance of a service says it runs, how it is, and when to expect the next.
///
/// A ``HeartbeatEmitter`` publishes one every interval, as a JSON message of type
/// `heartbeat.beat` keyed `<service>/<instanceID>`, so that the beats of one instance stay in
/// order. The interval travels in seconds as `intervalSeconds`.
///
/// An instance is one run of a process: ``startTime`` tells its runs apart, and ``sequence``
/// counts its beats from 1 within a run. A monitor ignores a beat whose sequence it has seen
/// for that run, and beats of an older run. The monitor judges lateness with its own interval
/// and grace period; ``interval`` tells readers of the topic what the sender promised.
public struct Beat: BusMessage, Hashable {
    /// Whether the instance keeps running or is shutting down.
    public enum Status: String, Sendable, Hashable, Codable {
        /// The instance runs and will beat again.
        case running
        /// The instance is shutting down gracefully; this is its last beat.
        case stopping
    }

    /// `heartbeat.beat`.
    public static let messageType = "heartbeat.beat"

    /// The service the instance belongs to, such as `orders-query`.
    public var service: String
    /// The instance, unique within its service, and the same across restarts.
    public var instanceID: String
    /// The host the instance runs on.
    public var host: String
    /// The beat's number within the run, from 1.
    public var sequence: UInt64
    /// When the run started, on the emitter's clock.
    public var startTime: Date
    /// How long until the next beat.
    public var interval: Duration
    /// Running, or stopping.
    public var status: Status
    /// What the instance's health checks found just before this beat.
    public var checks: [CheckResult]
    /// When the beat was sent, on the emitter's clock; monitors judge by when they receive it.
    public var time: Date

    /// `<service>/<instanceID>`: the beats of one instance stay in order.
    public var partitionKey: String? { "\(service)/\(instanceID)" }

    /// Creates a beat.
    public init(
        service: String,
        instanceID: String,
        host: String,
        sequence: UInt64,
        startTime: Date,
        interval: Duration,
        status: Status = .running,
        checks: [CheckResult] = [],
        time: Date = Date()
    ) {
        self.service = service
        self.instanceID = instanceID
        self.host = host
        self.sequence = sequence
        self.startTime = startTime
        self.interval = interval
        self.status = status
        self.checks = checks
        self.time = time
    }

    private enum CodingKeys: String, CodingKey {
        case service, instanceID, host, sequence, startTime, intervalSeconds, status, checks, time
    }

    /// Decodes a beat, its interval from `intervalSeconds`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        service = try container.decode(String.self, forKey: .service)
        instanceID = try container.decode(String.self, forKey: .instanceID)
        host = try container.decode(String.self, forKey: .host)
        sequence = try container.decode(UInt64.self, forKey: .sequence)
        startTime = try container.decode(Date.self, forKey: .startTime)
        let seconds = try container.decode(Double.self, forKey: .intervalSeconds)
        guard let milliseconds = Int64(exactly: (seconds * 1000).rounded()) else {
            throw DecodingError.dataCorruptedError(
                forKey: .intervalSeconds,
                in: container,
                debugDescription: "\(seconds) seconds is no interval a beat can have."
            )
        }
        interval = .milliseconds(milliseconds)
        status = try container.decode(Status.self, forKey: .status)
        checks = try container.decodeIfPresent([CheckResult].self, forKey: .checks) ?? []
        time = try container.decode(Date.self, forKey: .time)
    }

    /// Encodes a beat, its interval as `intervalSeconds`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(service, forKey: .service)
        try container.encode(instanceID, forKey: .instanceID)
        try container.encode(host, forKey: .host)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(startTime, forKey: .startTime)
        try container.encode(interval.seconds, forKey: .intervalSeconds)
        try container.encode(status, forKey: .status)
        try container.encode(checks, forKey: .checks)
        try container.encode(time, forKey: .time)
    }
}

extension Beat {
    /// The beat `message` carries, read by ``BeatReader`` when it can and otherwise by
    /// `JSONDecoder`, which reads what the reader gave up on or names what is wrong.
    ///
    /// - Throws: `MessagingError` with code `decodingFailed`, naming the message and the field.
    init(reading message: Message) throws(MessagingError) {
        if let beat = BeatReader.beat(in: message.payload) {
            self = beat
        } else {
            self = try message.decode(Beat.self)
        }
    }
}
