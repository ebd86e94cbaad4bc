package org.homerouter.pptp.alg;

import java.util.HexFormat;

/**
 * Control messages written by hand from RFC 2637 §2.3 and §2.7–2.15's field layouts (never by
 * our encoder), with the call IDs as parameters. Offsets in the comments are from the message start.
 */
final class AlgFixtures {
    private AlgFixtures() {
    }

    static final String MAGIC = "1A2B3C4D";

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s", ""));
    }

    private static String nul(int n) {
        return "00".repeat(n);
    }

    private static String u16(int v) {
        return String.format("%04X", v);
    }

    /** §2.1 Start-Control-Connection-Request, 156 octets. */
    static byte[] sccrq() {
        return hex("009C" + "0001" + MAGIC      // 0 Length 156, control, Magic Cookie
                + "0001" + "0000"               // 8 Control Message Type 1, Reserved0
                + "0100" + "0000"               // 12 Protocol Version 1.0, Reserved1
                + "00000001" + "00000001"       // 16 Framing, 20 Bearer Capabilities
                + "0000" + "0001"               // 24 Maximum Channels, 26 Firmware Revision
                + nul(64) + nul(64));           // 28 Host Name, 92 Vendor String
    }

    /** §2.2 Start-Control-Connection-Reply, 156 octets; result 1 accepts. */
    static byte[] sccrp(int result) {
        return hex("009C" + "0001" + MAGIC      // 0 Length 156
                + "0002" + "0000"               // 8 Control Message Type 2
                + "0100"                        // 12 Protocol Version 1.0
                + String.format("%02X", result) // 14 Result Code
                + "00"                          // 15 Error Code
                + "00000001" + "00000001"       // 16 Framing, 20 Bearer Capabilities
                + "0001" + "0001"               // 24 Maximum Channels, 26 Firmware Revision
                + nul(64) + nul(64));           // 28 Host Name, 92 Vendor String
    }

    /** §2.7 Outgoing-Call-Request, 168 octets. */
    static byte[] ocrq(int callId) {
        return hex("00A8" + "0001" + MAGIC      // 0 Length 168, control, Magic Cookie
                + "0007" + "0000"               // 8 Control Message Type 7, Reserved0
                + u16(callId)                   // 12 Call ID (the PNS's)
                + "0042"                        // 14 Call Serial Number
                + "0000012C"                    // 16 Minimum BPS 300
                + "05F5E100"                    // 20 Maximum BPS 100000000
                + "00000003"                    // 24 Bearer Type: any
                + "00000003"                    // 28 Framing Type: any
                + "0040"                        // 32 Packet Recv. Window Size 64
                + "0000"                        // 34 Packet Processing Delay
                + "0000" + "0000"               // 36 Phone Number Length, Reserved1
                + nul(64) + nul(64));           // 40 Phone Number, 104 Subaddress
    }

    /** §2.8 Outgoing-Call-Reply, 32 octets. */
    static byte[] ocrp(int callId, int peerCallId, int result) {
        return hex("0020" + "0001" + MAGIC      // 0 Length 32
                + "0008" + "0000"               // 8 Control Message Type 8
                + u16(callId)                   // 12 Call ID (the PAC's)
                + u16(peerCallId)               // 14 Peer's Call ID (the PNS's)
                + String.format("%02X", result) // 16 Result Code
                + "00"                          // 17 Error Code
                + "0000"                        // 18 Cause Code
                + "05F5E100"                    // 20 Connect Speed
                + "0040"                        // 24 Packet Recv. Window Size
                + "0000"                        // 26 Packet Processing Delay
                + "00000000");                  // 28 Physical Channel ID
    }

    /** §2.9 Incoming-Call-Request, 220 octets. */
    static byte[] icrq(int callId) {
        return hex("00DC" + "0001" + MAGIC      // 0 Length 220
                + "0009" + "0000"               // 8 Control Message Type 9
                + u16(callId)                   // 12 Call ID (the PAC's)
                + "0007"                        // 14 Call Serial Number
                + "00000001"                    // 16 Call Bearer Type: analog
                + "00000000"                    // 20 Physical Channel ID
                + "0000" + "0000"               // 24 Dialed / Dialing Number Length
                + nul(64) + nul(64) + nul(64)); // 28 Dialed, 92 Dialing Number, 156 Subaddress
    }

    /** §2.10 Incoming-Call-Reply, 24 octets. */
    static byte[] icrp(int callId, int peerCallId, int result) {
        return hex("0018" + "0001" + MAGIC      // 0 Length 24
                + "000A" + "0000"               // 8 Control Message Type 10
                + u16(callId)                   // 12 Call ID (the PNS's)
                + u16(peerCallId)               // 14 Peer's Call ID (the PAC's)
                + String.format("%02X", result) // 16 Result Code
                + "00"                          // 17 Error Code
                + "0040" + "0000" + "0000");    // 18 Window, 20 Transmit Delay, 22 Reserved1
    }

    /** §2.11 Incoming-Call-Connected, 28 octets. */
    static byte[] iccn(int peerCallId) {
        return hex("001C" + "0001" + MAGIC      // 0 Length 28
                + "000B" + "0000"               // 8 Control Message Type 11
                + u16(peerCallId) + "0000"      // 12 Peer's Call ID (the PNS's), Reserved1
                + "05F5E100"                    // 16 Connect Speed
                + "0040" + "0000"               // 20 Window, 22 Transmit Delay
                + "00000001");                  // 24 Framing Type
    }

    /** §2.12 Call-Clear-Request, 16 octets. */
    static byte[] ccrq(int callId) {
        return hex("0010" + "0001" + MAGIC + "000C" + "0000" // Length 16, type 12
                + u16(callId) + "0000");        // 12 Call ID (the PNS's), Reserved1
    }

    /** §2.13 Call-Disconnect-Notify, 148 octets. */
    static byte[] cdn(int callId) {
        return hex("0094" + "0001" + MAGIC + "000D" + "0000" // Length 148, type 13
                + u16(callId)                   // 12 Call ID
                + "03" + "00"                   // 14 Result Code 3 (admin), Error Code
                + "0000" + "0000"               // 16 Cause Code, Reserved1
                + nul(128));                    // 20 Call Statistics
    }

    /** §2.14 WAN-Error-Notify, 40 octets. */
    static byte[] wen(int peerCallId) {
        return hex("0028" + "0001" + MAGIC + "000E" + "0000" // Length 40, type 14
                + u16(peerCallId) + "0000"      // 12 Peer's Call ID, Reserved1
                + "00000001" + "00000002" + "00000003" + "00000004" + "00000005" + "00000006");
    }

    /** §2.15 Set-Link-Info, 24 octets. */
    static byte[] sli(int peerCallId) {
        return hex("0018" + "0001" + MAGIC + "000F" + "0000" // Length 24, type 15
                + u16(peerCallId) + "0000"      // 12 Peer's Call ID, Reserved1
                + "FFFFFFFF" + "FFFFFFFF");     // 16 Send ACCM, 20 Receive ACCM
    }

    /** §2.3 Stop-Control-Connection-Request, 16 octets. */
    static byte[] stopccrq() {
        return hex("0010" + "0001" + MAGIC + "0003" + "0000" + "01" + "00" + "0000");
    }

    /** §2.5 Echo-Request, 16 octets: carries no call ID. */
    static byte[] echoRequest() {
        return hex("0010" + "0001" + MAGIC + "0005" + "0000" + "00000001");
    }

    /** §2.6 Echo-Reply, 20 octets: Result Code 1 (OK). */
    static byte[] echoReply() {
        return hex("0014" + "0001" + MAGIC + "0006" + "0000" + "00000001" + "01" + "00" + "0000");
    }

    static int u16At(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }
}
