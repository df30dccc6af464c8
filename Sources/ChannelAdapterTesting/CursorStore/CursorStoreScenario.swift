/// One behaviour of the `CursorStore` contract that ``CursorStoreConformanceSuite`` checks.
public enum CursorStoreScenario: String, CaseIterable, Sendable, CustomStringConvertible {
    /// A name never committed loads as `nil`.
    case unknownCursorIsAbsent
    /// The first commit of a name, expecting `nil`, stores the value; later commits expecting the
    /// value last stored replace it.
    case commitsAdvanceTheCursor
    /// A commit expecting another value than the stored one throws a `cursorConflict` naming
    /// the expected and the stored value, and changes nothing.
    case staleCommitConflicts
    /// A first commit, expecting `nil`, of a name that has a value conflicts; so does a commit
    /// expecting a value of a name that has none.
    case expectingPresenceOrAbsenceWronglyConflicts
    /// Cursors of different names are independent.
    case namesAreIndependent
    /// Long values, and names and values of any Unicode text, are kept exactly.
    case longAndUnicodeNamesAndValues
    /// Many tasks commit from the same expected value at once: exactly one succeeds, the others
    /// conflict, and the stored value is the winner's.
    case concurrentCommitsHaveOneWinner
    /// A store opened again on the same storage loads what was committed.
    case cursorsOutliveTheStore

    /// The scenario's name.
    public var description: String { rawValue }
}
