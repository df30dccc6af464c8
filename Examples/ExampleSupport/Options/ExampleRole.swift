import ArgumentParser

/// Which applications of an example one process runs, as `--role` names them.
public protocol ExampleRole: CaseIterable, ExpressibleByArgument, Hashable, RawRepresentable<String>, Sendable {
    /// Every application of the example in one process: the default, and the only role the
    /// in-memory transport can run.
    static var all: Self { get }
}
