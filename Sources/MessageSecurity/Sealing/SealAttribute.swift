/// The names of the CloudEvents extension attributes a sealed message carries, and of the
/// headers a quarantined message gets.
///
/// Extension attribute names are lower-case letters and digits of at most 20 characters, so
/// they travel on every transport: on Kafka as `ce_` headers in the binary binding. See
/// <doc:WireFormat> for their values.
public enum SealAttribute {
    /// The algorithm the message was sealed with; see ``SealAlgorithm``.
    public static let algorithm = "secalg"
    /// The id of the key the message was sealed under.
    public static let keyID = "seckeyid"
    /// The base64 signature of a signed message.
    public static let signature = "secsig"
    /// The content type an encrypted message's payload had before it was encrypted; absent
    /// when it had none.
    public static let contentType = "secctype"

    /// Every attribute a seal writes.
    public static let all: [String] = [algorithm, keyID, signature, contentType]

    /// The headers a ``SecureReceiver`` adds to a message it quarantines.
    public enum Quarantine {
        /// The code of the check the message failed, such as `tampered`; see
        /// ``SecurityError/Code``.
        public static let reason = "security-violation-reason"
        /// A sentence saying what was wrong.
        public static let error = "security-violation-error"
        /// The topic the message was read from.
        public static let sourceTopic = "security-violation-source-topic"
    }
}
