#if canImport(Glibc)
import Glibc
#endif

/// Engine settings beyond the standard API, applied only when the loaded library has them.
///
/// With its default allocator wasmtime maps and unmaps each instance's linear memory, and a
/// fresh instance per call spent most of a worker's time in mmap/munmap and page faults. Its
/// pooling allocator reserves a few slots once and reuses them, keeping the first pages
/// resident. `--wasm-pooling off` turns this off. Calls run through wasmtime's own API also need
/// epoch interruption in the engine (see `engineFactory`). The precompiler and the workers make
/// the same choices, so serialized modules stay loadable.
enum WasmEngineTuning {
    typealias Ptr = OpaquePointer

    /// Instances alive at once in one worker: one call at a time, plus slack.
    static let slots: UInt32 = 4
    /// Linear memory kept mapped between instances in a reused slot.
    static let keepResidentBytes = 1 << 20
    /// The same for a slot's table: without it every call ends in a madvise of the table.
    static let tableKeepResidentBytes = 64 << 10

    /// The largest linear memory a slot holds: all of wasm32's 4 GiB. A function's own limit
    /// (any the gateway accepted, up to its `--max-memory`) is checked around each call; the
    /// worker cannot know the gateway's maximum, so the pool must not cap below it.
    static let maxMemoryBytes = 4 << 30

    /// The engine's constructor when the library lets us configure it: with the pooling allocator
    /// (`pooling`, from `--wasm-pooling`) and, when `epochInterruption` (the calls then run through
    /// wasmtime's own API, which sets a deadline on every store), epoch interruption. Epochs
    /// change the compiled code, so the precompiler and the workers make the same choice.
    static func engineFactory(library: UnsafeMutableRawPointer, engineName: String, pooling: Bool, epochInterruption: Bool) -> (() -> Ptr?)? {
        guard engineName == "wasmtime" else { return nil }
        guard pooling || epochInterruption else { return nil }
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            dlsym(library, name).map { unsafeBitCast($0, to: T.self) }
        }
        // Signatures of wasmtime's C API (wasmtime/config.h), declared here as we use them.
        typealias New = @convention(c) () -> Ptr?
        typealias Delete = @convention(c) (Ptr?) -> Void
        typealias SetU32 = @convention(c) (Ptr?, UInt32) -> Void
        typealias SetSize = @convention(c) (Ptr?, Int) -> Void
        typealias SetBool = @convention(c) (Ptr?, Bool) -> Void
        typealias SetStrategy = @convention(c) (Ptr?, Ptr?) -> Void
        typealias EngineWithConfig = @convention(c) (Ptr?) -> Ptr?
        guard let configNew = symbol("wasm_config_new", as: New.self),
              let engineWithConfig = symbol("wasm_engine_new_with_config", as: EngineWithConfig.self)
        else { return nil }
        let epochs = epochInterruption ? symbol("wasmtime_config_epoch_interruption_set", as: SetBool.self) : nil
        if epochInterruption && epochs == nil { return nil }
        typealias Pooling = (new: New, delete: Delete, instances: SetU32, memories: SetU32, tables: SetU32,
                             keepResident: SetSize, maxMemorySize: SetSize, strategy: SetStrategy)
        // Optional: an older library without it decommits tables each call, as before.
        let tableKeepResident = pooling ? symbol("wasmtime_pooling_allocation_config_table_keep_resident_set", as: SetSize.self) : nil
        var poolingAPI: Pooling?
        if pooling,
           let poolingNew = symbol("wasmtime_pooling_allocation_config_new", as: New.self),
           let poolingDelete = symbol("wasmtime_pooling_allocation_config_delete", as: Delete.self),
           let totalInstances = symbol("wasmtime_pooling_allocation_config_total_core_instances_set", as: SetU32.self),
           let totalMemories = symbol("wasmtime_pooling_allocation_config_total_memories_set", as: SetU32.self),
           let totalTables = symbol("wasmtime_pooling_allocation_config_total_tables_set", as: SetU32.self),
           let keepResident = symbol("wasmtime_pooling_allocation_config_linear_memory_keep_resident_set", as: SetSize.self),
           let maxMemorySize = symbol("wasmtime_pooling_allocation_config_max_memory_size_set", as: SetSize.self),
           let strategy = symbol("wasmtime_pooling_allocation_strategy_set", as: SetStrategy.self) {
            poolingAPI = (poolingNew, poolingDelete, totalInstances, totalMemories, totalTables, keepResident, maxMemorySize, strategy)
        }
        guard poolingAPI != nil || epochs != nil else { return nil }
        return { [poolingAPI] in
            guard let config = configNew() else { return nil }
            epochs?(config, true)
            if let p = poolingAPI, let pooling = p.new() {
                p.instances(pooling, slots)
                p.memories(pooling, slots)
                p.tables(pooling, slots)
                p.keepResident(pooling, keepResidentBytes)
                tableKeepResident?(pooling, tableKeepResidentBytes)
                // The slot holds wasm32's whole range; each call's own limit is its store's (or,
                // with the standard API, checked around the call).
                p.maxMemorySize(pooling, maxMemoryBytes)
                p.strategy(config, pooling)
                p.delete(pooling)
            }
            // The engine takes ownership of the config.
            return engineWithConfig(config)
        }
    }
}
