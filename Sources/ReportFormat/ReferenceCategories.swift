/// The category names of the reference's report matrix, used when no case file gives a title.
public enum ReferenceCategories {
    public static let titles: [String: String] = [
        "1": "Framing", "2": "Pings/Pongs", "3": "Reserved Bits", "4": "Opcodes", "5": "Fragmentation",
        "6": "UTF-8 Handling", "7": "Close Handling", "9": "Limits/Performance", "10": "Misc",
        "12": "WebSocket Compression (different payloads)", "13": "WebSocket Compression (different parameters)",
    ]
}
