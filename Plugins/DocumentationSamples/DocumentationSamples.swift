import Foundation
import PackagePlugin

/// Compiles the package's documentation samples as part of the target it is applied to.
///
/// Every markdown page of the package (outside hidden folders) with a ` ```swift ` sample gets a
/// generated source of the target (see `DocumentationSampleGenerator`), which imports every library
/// module the target depends on, and Testing for the samples of test code. A renamed API then fails the build, naming the page and line.
@main
struct DocumentationSamples: BuildToolPlugin {
    /// One command per page that has samples, and one for the catalog of all of them.
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let generator = try context.tool(named: "DocumentationSampleGenerator").url
        let root = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL
        let pages = try markdownPagesWithSamples(under: root)
        let imports = (target.dependencies.flatMap(libraryModuleNames(of:)) + ["Testing"]).sorted()
        var commands: [Command] = pages.map { page in
            let relativePath = String(page.path.dropFirst(root.path.count + 1))
            let source = output.appending(path: relativePath.replacingOccurrences(of: "/", with: "+") + ".swift")
            return .buildCommand(
                displayName: "Compiling the samples of \(relativePath)",
                executable: generator,
                arguments: ["page", "--root", root.path, "--page", page.path, "--output", source.path]
                    + imports.flatMap { ["--import", $0] },
                inputFiles: [page],
                outputFiles: [source]
            )
        }
        let catalog = output.appending(path: "SampleCatalog.swift")
        commands.append(
            .buildCommand(
                displayName: "Listing the documentation samples",
                executable: generator,
                arguments: ["catalog", "--root", root.path, "--output", catalog.path] + pages.map(\.path),
                inputFiles: pages,
                outputFiles: [catalog]
            )
        )
        return commands
    }

    /// The markdown files under `root`, hidden folders left out, that hold a ` ```swift ` block.
    private func markdownPagesWithSamples(under root: URL) throws -> [URL] {
        let files = FileManager.default.enumerator(
            at: root,
            includingPropertiesForKeys: nil,
            options: .skipsHiddenFiles
        )
        var pages: [URL] = []
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "md", try String(contentsOf: file, encoding: .utf8).contains("```swift") else {
                continue
            }
            pages.append(file.standardizedFileURL)
        }
        return pages.sorted { $0.path < $1.path }
    }

    /// The library modules that `dependency` brings: these are the imports a reader would write.
    private func libraryModuleNames(of dependency: TargetDependency) -> [String] {
        let targets: [any Target] =
            switch dependency {
            case .target(let target): [target]
            case .product(let product): product.targets
            @unknown default: []
            }
        return targets.compactMap { target in
            guard let module = target as? any SourceModuleTarget, module.kind == .generic else { return nil }
            return module.moduleName
        }
    }
}
