import Foundation

/// Any message of the protocol (see `WireProtocol`), decoded in one pass by its `"type"`.
public enum WireMessage: Sendable {
    case invoke(InvokeMessage)
    case registerWorker(RegisterWorkerMessage)
    case unregisterWorker(UnregisterWorkerMessage)
    case forwardToWorker(ForwardToWorkerMessage)
    case job(JobMessage)
    case workerDone(WorkerDoneMessage)
    case result(ResultMessage)
}

extension WireMessage: Codable {
    private enum Discriminator: String, CodingKey {
        case type, ok
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Discriminator.self)
        guard let type = try container.decodeIfPresent(MessageType.self, forKey: .type) else {
            guard container.contains(.ok) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "message has neither \"type\" nor \"ok\""))
            }
            self = .result(try ResultMessage(from: decoder))
            return
        }
        switch type {
        case .invoke: self = .invoke(try InvokeMessage(from: decoder))
        case .registerWorker: self = .registerWorker(try RegisterWorkerMessage(from: decoder))
        case .unregisterWorker: self = .unregisterWorker(try UnregisterWorkerMessage(from: decoder))
        case .forwardToWorker: self = .forwardToWorker(try ForwardToWorkerMessage(from: decoder))
        case .job: self = .job(try JobMessage(from: decoder))
        case .workerDone: self = .workerDone(try WorkerDoneMessage(from: decoder))
        case .result: self = .result(try ResultMessage(from: decoder))
        }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .invoke(let message): try message.encode(to: encoder)
        case .registerWorker(let message): try message.encode(to: encoder)
        case .unregisterWorker(let message): try message.encode(to: encoder)
        case .forwardToWorker(let message): try message.encode(to: encoder)
        case .job(let message): try message.encode(to: encoder)
        case .workerDone(let message): try message.encode(to: encoder)
        case .result(let message): try message.encode(to: encoder)
        }
    }
}
