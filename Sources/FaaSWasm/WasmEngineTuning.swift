#if canImport(Glibc)
import Glibc
#endif

/// Engine settings beyond the standard API, applied only when the loaded library has them.
///
/// With its default allocator wasmtime maps and unmaps each instance's linear memory, and a
/// fresh instance per call spent most of a worker's time in mmap/munmap and page faults. Its
/// pooling allocator reserves a few slots once and reuses them, keeping the first pages
/// resident. Everything else stays standard `wasm.h`; `--wasm-pooling off` turns this off, and
/// the precompiler and the workers make the same choice, so serialized modules stay loadable.
enum WasmEngineTuning {
    typealias Ptr = OpaquePointer

    /// Instances alive at once in one worker: one call at a time, plus slack.
    static let slots: UInt32 = 4
    /// Linear memory kept mapped between instances in a reused slot.
    static let keepResidentBytes = 1 << 20

    /// The largest linear memory a slot holds: all of wasm32's 4 GiB. A function's own limit
    /// (any the gateway accepted, up to its `--max-memory`) is checked around each call; the
    /// worker cannot know the gateway's maximum, so the pool must not cap below it.
    static let maxMemoryBytes = 4 << 30

    static func engineFactory(library: UnsafeMutableRawPointer, engineName: String, pooling: Bool) -> (() -> Ptr?)? {
        guard engineName == "wasmtime", pooling else { return nil }
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            dlsym(library, name).map { unsafeBitCast($0, to: T.self) }
        }
        // Signatures of wasmtime's C API (wasmtime/config.h), declared here as we use them.
        typealias New = @convention(c) () -> Ptr?
        typealias Delete = @convention(c) (Ptr?) -> Void
        typealias SetU32 = @convention(c) (Ptr?, UInt32) -> Void
        typealias SetSize = @convention(c) (Ptr?, Int) -> Void
        typealias SetStrategy = @convention(c) (Ptr?, Ptr?) -> Void
        typealias EngineWithConfig = @convention(c) (Ptr?) -> Ptr?
        guard let configNew = symbol("wasm_config_new", as: New.self),
              let engineWithConfig = symbol("wasm_engine_new_with_config", as: EngineWithConfig.self),
              let poolingNew = symbol("wasmtime_pooling_allocation_config_new", as: New.self),
              let poolingDelete = symbol("wasmtime_pooling_allocation_config_delete", as: Delete.self),
              let totalInstances = symbol("wasmtime_pooling_allocation_config_total_core_instances_set", as: SetU32.self),
              let totalMemories = symbol("wasmtime_pooling_allocation_config_total_memories_set", as: SetU32.self),
              let totalTables = symbol("wasmtime_pooling_allocation_config_total_tables_set", as: SetU32.self),
              let keepResident = symbol("wasmtime_pooling_allocation_config_linear_memory_keep_resident_set", as: SetSize.self),
              let maxMemorySize = symbol("wasmtime_pooling_allocation_config_max_memory_size_set", as: SetSize.self),
              let strategy = symbol("wasmtime_pooling_allocation_strategy_set", as: SetStrategy.self)
        else { return nil }
        return {
            guard let config = configNew(), let pooling = poolingNew() else { return nil }
            totalInstances(pooling, slots)
            totalMemories(pooling, slots)
            totalTables(pooling, slots)
            keepResident(pooling, keepResidentBytes)
            // The per-call limit is checked around the call; this one holds during it.
            maxMemorySize(pooling, maxMemoryBytes)
            strategy(config, pooling)
            poolingDelete(pooling)
            // The engine takes ownership of the config.
            return engineWithConfig(config)
        }
    }
}
