package org.homerouter.pptp.control;

import java.util.HexFormat;

/**
 * One message of each of the 15 types, written by hand from RFC 2637 §2.1–2.15's field layouts
 * (never produced by our encoder). Offsets in the comments are from the start of the message.
 */
final class WireFixtures {
    private WireFixtures() {
    }

    /** Parses hex, ignoring whitespace. */
    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s", ""));
    }

    /** n NUL octets in hex, for the padding of a text field. */
    static String nul(int n) {
        return "00".repeat(n);
    }

    static final String MAGIC = "1A2B3C4D";

    /** §2.1 Start-Control-Connection-Request, 156 octets, as a Windows client sends it. */
    static final byte[] SCCRQ = hex(
            "009C"                       // 0  Length 156
            + "0001"                     // 2  PPTP Message Type 1 (control)
            + MAGIC                      // 4  Magic Cookie
            + "0001"                     // 8  Control Message Type 1 (SCCRQ)
            + "0000"                     // 10 Reserved0
            + "0100"                     // 12 Protocol Version 1.0
            + "0000"                     // 14 Reserved1
            + "00000001"                 // 16 Framing Capabilities: async
            + "00000001"                 // 20 Bearer Capabilities: analog
            + "0000"                     // 24 Maximum Channels 0
            + "0A28"                     // 26 Firmware Revision 2600
            + "7063" + nul(62)           // 28 Host Name "pc"
            + "4D6963726F736F6674" + nul(55)); // 92 Vendor String "Microsoft"

    /** §2.2 Start-Control-Connection-Reply, 156 octets. */
    static final byte[] SCCRP = hex(
            "009C" + "0001" + MAGIC      // 0  Length 156, control, Magic Cookie
            + "0002"                     // 8  Control Message Type 2 (SCCRP)
            + "0000"                     // 10 Reserved0
            + "0100"                     // 12 Protocol Version 1.0
            + "01"                       // 14 Result Code 1 (OK)
            + "00"                       // 15 Error Code 0
            + "00000003"                 // 16 Framing Capabilities: async + sync
            + "00000003"                 // 20 Bearer Capabilities: analog + digital
            + "FFFF"                     // 24 Maximum Channels 65535
            + "0001"                     // 26 Firmware Revision 1
            + "726F75746572" + nul(58)   // 28 Host Name "router"
            + "686F6D65726F75746572" + nul(54)); // 92 Vendor String "homerouter"

    /** §2.3 Stop-Control-Connection-Request, 16 octets. */
    static final byte[] STOPCCRQ = hex(
            "0010" + "0001" + MAGIC      // 0  Length 16, control, Magic Cookie
            + "0003" + "0000"            // 8  Control Message Type 3, Reserved0
            + "02"                       // 12 Reason 2 (Stop-Protocol)
            + "00"                       // 13 Reserved1
            + "0000");                   // 14 Reserved2

    /** §2.4 Stop-Control-Connection-Reply, 16 octets. */
    static final byte[] STOPCCRP = hex(
            "0010" + "0001" + MAGIC      // 0  Length 16, control, Magic Cookie
            + "0004" + "0000"            // 8  Control Message Type 4, Reserved0
            + "01"                       // 12 Result Code 1 (OK)
            + "00"                       // 13 Error Code 0
            + "0000");                   // 14 Reserved1

    /** §2.5 Echo-Request, 16 octets. */
    static final byte[] ECHORQ = hex(
            "0010" + "0001" + MAGIC      // 0  Length 16, control, Magic Cookie
            + "0005" + "0000"            // 8  Control Message Type 5, Reserved0
            + "8000002A");               // 12 Identifier 0x8000002A (top bit set)

    /** §2.6 Echo-Reply, 20 octets. */
    static final byte[] ECHORP = hex(
            "0014" + "0001" + MAGIC      // 0  Length 20, control, Magic Cookie
            + "0006" + "0000"            // 8  Control Message Type 6, Reserved0
            + "8000002A"                 // 12 Identifier
            + "01"                       // 16 Result Code 1 (OK)
            + "00"                       // 17 Error Code 0
            + "0000");                   // 18 Reserved1

    /** §2.7 Outgoing-Call-Request, 168 octets. */
    static final byte[] OCRQ = hex(
            "00A8" + "0001" + MAGIC      // 0  Length 168, control, Magic Cookie
            + "0007" + "0000"            // 8  Control Message Type 7, Reserved0
            + "4000"                     // 12 Call ID 0x4000 (the PNS's)
            + "0001"                     // 14 Call Serial Number 1
            + "0000012C"                 // 16 Minimum BPS 300
            + "05F5E100"                 // 20 Maximum BPS 100000000
            + "00000003"                 // 24 Bearer Type: either
            + "00000003"                 // 28 Framing Type: either
            + "0040"                     // 32 Packet Recv. Window Size 64
            + "0000"                     // 34 Packet Processing Delay 0
            + "0007"                     // 36 Phone Number Length 7
            + "0000"                     // 38 Reserved1
            + "35353531323334" + nul(57) // 40 Phone Number "5551234"
            + nul(64));                  // 104 Subaddress ""

    /** §2.8 Outgoing-Call-Reply, 32 octets. */
    static final byte[] OCRP = hex(
            "0020" + "0001" + MAGIC      // 0  Length 32, control, Magic Cookie
            + "0008" + "0000"            // 8  Control Message Type 8, Reserved0
            + "0080"                     // 12 Call ID 0x0080 (the PAC's)
            + "4000"                     // 14 Peer's Call ID 0x4000 (the PNS's)
            + "01"                       // 16 Result Code 1 (Connected)
            + "00"                       // 17 Error Code 0
            + "0000"                     // 18 Cause Code 0
            + "05F5E100"                 // 20 Connect Speed 100000000
            + "0040"                     // 24 Packet Recv. Window Size 64
            + "0000"                     // 26 Packet Processing Delay 0
            + "00000007");               // 28 Physical Channel ID 7

    /** §2.9 Incoming-Call-Request, 220 octets. */
    static final byte[] ICRQ = hex(
            "00DC" + "0001" + MAGIC      // 0  Length 220, control, Magic Cookie
            + "0009" + "0000"            // 8  Control Message Type 9, Reserved0
            + "0102"                     // 12 Call ID 0x0102 (the PAC's)
            + "0003"                     // 14 Call Serial Number 3
            + "00000001"                 // 16 Call Bearer Type: analog
            + "00000002"                 // 20 Physical Channel ID 2
            + "0003"                     // 24 Dialed Number Length 3
            + "0004"                     // 26 Dialing Number Length 4
            + "313030" + nul(61)         // 28 Dialed Number "100"
            + "32303030" + nul(60)       // 92 Dialing Number "2000"
            + "37" + nul(63));           // 156 Subaddress "7"

    /** §2.10 Incoming-Call-Reply, 24 octets. */
    static final byte[] ICRP = hex(
            "0018" + "0001" + MAGIC      // 0  Length 24, control, Magic Cookie
            + "000A" + "0000"            // 8  Control Message Type 10, Reserved0
            + "4001"                     // 12 Call ID 0x4001 (the PNS's)
            + "0102"                     // 14 Peer's Call ID 0x0102 (the PAC's)
            + "01"                       // 16 Result Code 1 (Connect)
            + "00"                       // 17 Error Code 0
            + "0010"                     // 18 Packet Recv. Window Size 16
            + "0000"                     // 20 Packet Transmit Delay 0
            + "0000");                   // 22 Reserved1

    /** §2.11 Incoming-Call-Connected, 28 octets. */
    static final byte[] ICCN = hex(
            "001C" + "0001" + MAGIC      // 0  Length 28, control, Magic Cookie
            + "000B" + "0000"            // 8  Control Message Type 11, Reserved0
            + "4001"                     // 12 Peer's Call ID 0x4001 (the PNS's)
            + "0000"                     // 14 Reserved1
            + "0000FA00"                 // 16 Connect Speed 64000
            + "0020"                     // 20 Packet Recv. Window Size 32
            + "0005"                     // 22 Packet Transmit Delay 5
            + "00000002");               // 24 Framing Type: sync

    /** §2.12 Call-Clear-Request, 16 octets. */
    static final byte[] CCRQ = hex(
            "0010" + "0001" + MAGIC      // 0  Length 16, control, Magic Cookie
            + "000C" + "0000"            // 8  Control Message Type 12, Reserved0
            + "4000"                     // 12 Call ID 0x4000 (the PNS's)
            + "0000");                   // 14 Reserved1

    /** §2.13 Call-Disconnect-Notify, 148 octets. */
    static final byte[] CDN = hex(
            "0094" + "0001" + MAGIC      // 0  Length 148, control, Magic Cookie
            + "000D" + "0000"            // 8  Control Message Type 13, Reserved0
            + "0080"                     // 12 Call ID 0x0080 (the PAC's)
            + "03"                       // 14 Result Code 3 (Admin Shutdown)
            + "00"                       // 15 Error Code 0
            + "0000"                     // 16 Cause Code 0
            + "0000"                     // 18 Reserved1
            + "6F6B" + nul(126));        // 20 Call Statistics "ok" (128 octets)

    /** §2.14 WAN-Error-Notify, 40 octets. */
    static final byte[] WEN = hex(
            "0028" + "0001" + MAGIC      // 0  Length 40, control, Magic Cookie
            + "000E" + "0000"            // 8  Control Message Type 14, Reserved0
            + "4000"                     // 12 Peer's Call ID 0x4000 (the PNS's)
            + "0000"                     // 14 Reserved1
            + "00000001"                 // 16 CRC Errors 1
            + "00000002"                 // 20 Framing Errors 2
            + "00000003"                 // 24 Hardware Overruns 3
            + "00000004"                 // 28 Buffer Overruns 4
            + "00000005"                 // 32 Time-out Errors 5
            + "00000006");               // 36 Alignment Errors 6

    /** §2.15 Set-Link-Info, 24 octets. */
    static final byte[] SLI = hex(
            "0018" + "0001" + MAGIC      // 0  Length 24, control, Magic Cookie
            + "000F" + "0000"            // 8  Control Message Type 15, Reserved0
            + "0080"                     // 12 Peer's Call ID 0x0080 (the PAC's)
            + "0000"                     // 14 Reserved1
            + "FFFFFFFF"                 // 16 Send ACCM 0xFFFFFFFF
            + "00000000");               // 20 Receive ACCM 0
}
