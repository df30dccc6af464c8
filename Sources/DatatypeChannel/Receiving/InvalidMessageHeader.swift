/// The headers a message carries on a channel's invalid topic, saying why it was refused.
///
/// The message is otherwise the one that arrived: same id, attributes and payload bytes.
public enum InvalidMessageHeader {
    /// The ``DatatypeError/code`` of the check that failed, such as `typeMismatch`.
    public static let reason = "datatype-invalid-reason"
    /// The sentence that says what was wrong.
    public static let error = "datatype-invalid-error"
    /// The channel that refused the message.
    public static let channel = "datatype-invalid-channel"
    /// The topic the message was read from.
    public static let sourceTopic = "datatype-invalid-source-topic"
    /// What the channel expected, when the failure names it.
    public static let expected = "datatype-invalid-expected"
    /// What arrived instead, when the failure names it.
    public static let actual = "datatype-invalid-actual"
    /// The path of the field that was wrong, when the failure names one.
    public static let field = "datatype-invalid-field"
    /// The consumer group that refused the message.
    public static let group = "datatype-invalid-group"
}
