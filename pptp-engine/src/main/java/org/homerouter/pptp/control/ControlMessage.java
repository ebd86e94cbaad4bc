package org.homerouter.pptp.control;

/**
 * A PPTP control message (RFC 2637 §2). Records carry the fields after the 12-octet header, in the
 * RFC's order, as unsigned values in ints (16- and 8-bit fields are range-checked; 32-bit fields
 * are raw bit patterns). Text fields are ASCII, at most 64 octets (128 for Call Statistics), and
 * go on the wire NUL-padded.
 */
public sealed interface ControlMessage permits
        StartControlConnectionRequest, StartControlConnectionReply,
        StopControlConnectionRequest, StopControlConnectionReply,
        EchoRequest, EchoReply,
        OutgoingCallRequest, OutgoingCallReply,
        IncomingCallRequest, IncomingCallReply, IncomingCallConnected,
        CallClearRequest, CallDisconnectNotify, WanErrorNotify, SetLinkInfo {

    ControlMessageType type();

    /** Range checks shared by the records' constructors. */
    final class Fields {
        private Fields() {
        }

        public static int u8(String name, int v) {
            if (v < 0 || v > 0xFF) {
                throw new IllegalArgumentException(name + " out of range 0..255: " + v);
            }
            return v;
        }

        public static int u16(String name, int v) {
            if (v < 0 || v > 0xFFFF) {
                throw new IllegalArgumentException(name + " out of range 0..65535: " + v);
            }
            return v;
        }

        public static String text(String name, String v, int maxOctets) {
            if (v == null) {
                throw new IllegalArgumentException(name + " is null");
            }
            if (v.length() > maxOctets) {
                throw new IllegalArgumentException(name + " longer than " + maxOctets + " octets");
            }
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c == 0 || c > 0x7F) {
                    throw new IllegalArgumentException(name + " must be ASCII without NUL");
                }
            }
            return v;
        }
    }
}
