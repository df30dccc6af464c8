import ChannelAdapter
import Testing

@Suite("Backoff")
struct BackoffTests {
    @Test func waitsGrowExponentiallyUpToTheMaximum() {
        let backoff = Backoff(initial: .seconds(1), multiplier: 2, maximum: .seconds(30), jitter: 0)
        #expect((1...8).map { backoff.delay(after: $0) } == [1, 2, 4, 8, 16, 30, 30, 30].map { .seconds($0) })
        #expect(backoff.delay(after: 10_000) == .seconds(30))
    }

    @Test func attemptsBelowOneWaitTheInitialDelay() {
        let backoff = Backoff(initial: .milliseconds(250), jitter: 0)
        #expect(backoff.delay(after: 0) == .milliseconds(250))
        #expect(backoff.delay(after: -3) == .milliseconds(250))
    }

    @Test func jitterSpreadsTheWaitByItsFractionEachWay() {
        let low = Backoff(initial: .seconds(10), jitter: 0.2, random: { 0 })
        let middle = Backoff(initial: .seconds(10), jitter: 0.2, random: { 0.5 })
        let high = Backoff(initial: .seconds(10), jitter: 0.2, random: { 0.999_999 })
        #expect(low.delay(after: 1) == .seconds(8))
        #expect(middle.delay(after: 1) == .seconds(10))
        #expect(high.delay(after: 1) > .milliseconds(11_999) && high.delay(after: 1) <= .seconds(12))
    }

    @Test func outOfRangeSettingsAreBroughtInRange() {
        let backoff = Backoff(initial: .seconds(5), multiplier: 0.5, maximum: .seconds(2), jitter: 3, random: { 0 })
        #expect(backoff.multiplier == 1)
        #expect(backoff.jitter == 1)
        #expect(backoff.delay(after: 1) == .zero)
        let capped = Backoff(initial: .seconds(5), maximum: .seconds(2), jitter: 0)
        #expect(capped.delay(after: 1) == .seconds(2))
    }
}
