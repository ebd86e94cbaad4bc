package org.homerouter.pptp.alg;

import org.homerouter.pptp.control.ControlMessageType;

import java.util.Arrays;

/**
 * The fields the ALG rewrites, per direction: where the PNS's call ID sits in each control
 * message and what the ALG does with it, and one more for a call the ALG refused. The call-ID
 * table is {@code nf_nat_pptp.c}'s: {@code pptp_outbound_pkt} rewrites OCRQ, ICRP and CCRQ's
 * Call ID; {@code pptp_inbound_pkt} rewrites the Peer's Call ID of OCRP, ICCN, WEN and SLI and
 * the Call ID of CDN. Offsets are from the start of the message (RFC 2637 §2.7–2.15: every one of
 * them is octet 12, the first after the header, except OCRP's Peer's Call ID at 14). Fields not
 * listed carry the PAC's call ID (OCRP, ICRQ and ICRP's own Call ID from the PAC, the Peer's Call
 * ID of SLI sent by the PNS) and pass unchanged. Every field is two octets.
 */
enum RewrittenField {
    /** OCRQ (§2.7) Call ID: a new outgoing call; the PNS's ID gets a NAT ID. */
    OCRQ_CALL_ID(Direction.TO_SERVER, ControlMessageType.OUTGOING_CALL_REQUEST, 12, Role.ALLOCATE),
    /** ICRP (§2.10) Call ID: the PNS accepts an incoming call with this ID. */
    ICRP_CALL_ID(Direction.TO_SERVER, ControlMessageType.INCOMING_CALL_REPLY, 12, Role.ALLOCATE),
    /** CCRQ (§2.12) Call ID: the PNS's. */
    CCRQ_CALL_ID(Direction.TO_SERVER, ControlMessageType.CALL_CLEAR_REQUEST, 12, Role.TO_NAT),
    /** OCRP (§2.8) Peer's Call ID: echoes the OCRQ's. */
    OCRP_PEER_CALL_ID(Direction.TO_CLIENT, ControlMessageType.OUTGOING_CALL_REPLY, 14, Role.TO_CLIENT_ID),
    /**
     * OCRP (§2.8) Result Code and Error Code, octets 16 and 17: for a call that went out with
     * Call ID 0, a "connected" becomes "Do Not Accept", so that the client fails the call at once.
     */
    OCRP_RESULT(Direction.TO_CLIENT, ControlMessageType.OUTGOING_CALL_REPLY, 16, Role.REFUSED_RESULT),
    /** ICCN (§2.11) Peer's Call ID: the ICRP's Call ID. */
    ICCN_PEER_CALL_ID(Direction.TO_CLIENT, ControlMessageType.INCOMING_CALL_CONNECTED, 12, Role.TO_CLIENT_ID),
    /**
     * CDN (§2.13) Call ID: RFC 2637 says the PAC's own, but accel-ppp (and the kernel's
     * rewrite) take it as the PNS's. A value that is one of this connection's NAT IDs is
     * rewritten; any other is taken as the PAC's and passes unchanged.
     */
    CDN_CALL_ID(Direction.TO_CLIENT, ControlMessageType.CALL_DISCONNECT_NOTIFY, 12, Role.TO_CLIENT_ID_IF_KNOWN),
    /** WEN (§2.14) Peer's Call ID. */
    WEN_PEER_CALL_ID(Direction.TO_CLIENT, ControlMessageType.WAN_ERROR_NOTIFY, 12, Role.TO_CLIENT_ID),
    /** SLI (§2.15) Peer's Call ID, when the PAC sends it (the kernel rewrites it inbound only). */
    SLI_PEER_CALL_ID(Direction.TO_CLIENT, ControlMessageType.SET_LINK_INFO, 12, Role.TO_CLIENT_ID);

    enum Role {
        /** The PNS's ID, seen for the first time: allocate a NAT ID and write it. */
        ALLOCATE,
        /** The PNS's ID of a known call: write its NAT ID. */
        TO_NAT,
        /** A NAT ID: write back the PNS's own. */
        TO_CLIENT_ID,
        /** Maybe a NAT ID (then as {@link #TO_CLIENT_ID}), maybe the PAC's (then unchanged). */
        TO_CLIENT_ID_IF_KNOWN,
        /** Result and Error Code of a reply to a call the ALG refused: the client must see a failure. */
        REFUSED_RESULT
    }

    private static final RewrittenField[] NONE = {};
    private static final RewrittenField[][][] TABLE = new RewrittenField[2][16][];

    static {
        for (RewrittenField[][] byType : TABLE) {
            Arrays.fill(byType, NONE);
        }
        for (RewrittenField f : values()) {
            RewrittenField[] old = TABLE[f.direction.ordinal()][f.type.code()];
            RewrittenField[] fields = Arrays.copyOf(old, old.length + 1);
            fields[old.length] = f; // in offset order: the constants are declared so
            TABLE[f.direction.ordinal()][f.type.code()] = fields;
        }
    }

    final Direction direction;
    final ControlMessageType type;
    final int offset;
    final Role role;

    RewrittenField(Direction direction, ControlMessageType type, int offset, Role role) {
        this.direction = direction;
        this.type = type;
        this.offset = offset;
        this.role = role;
    }

    /** The fields the ALG rewrites in this message going this way, by offset (none: empty; never modify). */
    static RewrittenField[] of(Direction direction, ControlMessageType type) {
        return TABLE[direction.ordinal()][type.code()];
    }
}
