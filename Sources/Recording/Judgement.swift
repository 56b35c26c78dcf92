/// The judge's two verdicts on a case, each with its explanation.
public struct Judgement: Sendable, Equatable {
    public var behavior: Behavior
    public var behaviorClose: CloseBehavior
    /// Why `behavior`.
    public var result: String
    /// Why `behaviorClose`.
    public var resultClose: String

    public init(behavior: Behavior, behaviorClose: CloseBehavior, result: String, resultClose: String) {
        self.behavior = behavior
        self.behaviorClose = behaviorClose
        self.result = result
        self.resultClose = resultClose
    }
}
