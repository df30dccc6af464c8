/// A configuration or start-up problem of an example, said in one line that names the option at
/// fault.
public struct ExampleError: Error, CustomStringConvertible, Equatable {
    /// The problem, as the command line prints it.
    public let description: String

    /// Creates an error that says `description`.
    public init(_ description: String) {
        self.description = description
    }
}
