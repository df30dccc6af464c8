import Foundation

/// One scenario's numbers, as the table and the JSON lines show them.
struct ScenarioResult: Sendable {
    enum Better: String, Sendable {
        case higher
        case lower
    }

    var scenario: String
    var project: Double
    var baseline: Double?
    var unit: String
    var better: Better
    /// The ratio: project ÷ baseline, or for `middleware-cost` the slowdown, or the value itself
    /// without a baseline.
    var ratio: Double
    /// The target, as text: what the ratio must reach (such as `≥ 5`), or for a rate what the
    /// project must reach (such as `≥ 100,000/s`).
    var target: String
    var meetsTarget: Bool
    /// Latency percentiles in microseconds, where measured.
    var p50: Double?
    var p99: Double?
    /// The process's peak resident memory after the scenario, in bytes.
    var peakResidentBytes: Int

    /// A throughput result: messages per second of the project beside its baseline, and the
    /// ratio they must reach, if any.
    static func throughput(_ scenario: String, project: Double, baseline: Double, target: Double?) -> ScenarioResult {
        let ratio = project / baseline
        return ScenarioResult(
            scenario: scenario,
            project: project,
            baseline: baseline,
            unit: "messages/s",
            better: .higher,
            ratio: ratio,
            target: target.map { "≥ \($0.formatted())" } ?? "—",
            meetsTarget: target.map { ratio >= $0 } ?? true,
            peakResidentBytes: ResidentMemory.peak
        )
    }

    /// A slowdown result: messages per second of the project beside a baseline that does less,
    /// and the most the project may be slower.
    static func slowdown(_ scenario: String, project: Double, baseline: Double, target: Double) -> ScenarioResult {
        let slowdown = baseline / project
        return ScenarioResult(
            scenario: scenario,
            project: project,
            baseline: baseline,
            unit: "messages/s",
            better: .lower,
            ratio: slowdown,
            target: "≤ \(target.formatted())",
            meetsTarget: slowdown <= target,
            peakResidentBytes: ResidentMemory.peak
        )
    }

    /// A rate with a floor: messages per second of the project, beside its baseline's where
    /// there is one, meeting its target when the project reaches `minimum` per second.
    static func rate(_ scenario: String, project: Double, baseline: Double?, minimum: Double) -> ScenarioResult {
        ScenarioResult(
            scenario: scenario,
            project: project,
            baseline: baseline,
            unit: "messages/s",
            better: .higher,
            ratio: baseline.map { project / $0 } ?? project,
            target: "≥ \(Int(minimum).formatted())/s",
            meetsTarget: project >= minimum,
            peakResidentBytes: ResidentMemory.peak
        )
    }

    var jsonLine: String {
        var object: [String: Any] = [
            "scenario": scenario,
            "project": project,
            "baseline": baseline ?? NSNull(),
            "ratio": ratio,
            "unit": unit,
            "better": better.rawValue,
        ]
        if let p50 { object["p50_us"] = p50 }
        if let p99 { object["p99_us"] = p99 }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static func table(_ results: [ScenarioResult], quick: Bool) -> String {
        let header = ["scenario", "project", "baseline", "unit", "ratio", "target", "p50/p99 µs", "peak RSS"]
        let rows = results.map { result in
            [
                result.scenario,
                format(result.project),
                result.baseline.map(format) ?? "—",
                result.unit,
                String(format: "%.2f", result.ratio),
                result.target + (result.meetsTarget ? " ✓" : " ✗"),
                result.p50.map { String(format: "%.1f / %.1f", $0, result.p99 ?? 0) } ?? "—",
                String(format: "%.0f MiB", Double(result.peakResidentBytes) / 1_048_576),
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        var lines = [line(header), line(widths.map { String(repeating: "-", count: $0) })]
        lines += rows.map(line)
        if quick {
            lines.append("(--quick: a smoke run; the numbers are not meaningful)")
        }
        return lines.joined(separator: "\n")
    }

    private static func format(_ value: Double) -> String {
        value >= 1000 ? String(format: "%.0f", value) : String(format: "%.2f", value)
    }
}

/// The median of `values`.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

/// Resident memory of this process, from `/proc/self/status`: now and at its peak.
enum ResidentMemory {
    static var current: Int { read("VmRSS:") }
    static var peak: Int { read("VmHWM:") }

    private static func read(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return 0 }
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kilobytes * 1024
    }
}
