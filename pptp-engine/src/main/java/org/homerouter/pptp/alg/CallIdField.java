package org.homerouter.pptp.alg;

import org.homerouter.pptp.control.ControlMessageType;

/**
 * Where the PNS's call ID sits in each control message, per direction, and what the ALG does
 * with it. The table is {@code nf_nat_pptp.c}'s: {@code pptp_outbound_pkt} rewrites OCRQ, ICRP
 * and CCRQ's Call ID; {@code pptp_inbound_pkt} rewrites the Peer's Call ID of OCRP, ICCN, WEN and
 * SLI and the Call ID of CDN. Offsets are from the start of the message (RFC 2637 §2.7–2.15:
 * every one of them is octet 12, the first after the header, except OCRP's Peer's Call ID at 14).
 * Fields not listed carry the PAC's call ID (OCRP, ICRQ and ICRP's own Call ID from the PAC, the
 * Peer's Call ID of SLI sent by the PNS) and pass unchanged.
 */
enum CallIdField {
    /** OCRQ (§2.7) Call ID: a new outgoing call; the PNS's ID gets a NAT ID. */
    OCRQ_CALL_ID(Direction.TO_SERVER, ControlMessageType.OUTGOING_CALL_REQUEST, 12, Role.ALLOCATE),
    /** ICRP (§2.10) Call ID: the PNS accepts an incoming call with this ID. */
    ICRP_CALL_ID(Direction.TO_SERVER, ControlMessageType.INCOMING_CALL_REPLY, 12, Role.ALLOCATE),
    /** CCRQ (§2.12) Call ID: the PNS's. */
    CCRQ_CALL_ID(Direction.TO_SERVER, ControlMessageType.CALL_CLEAR_REQUEST, 12, Role.TO_NAT),
    /** OCRP (§2.8) Peer's Call ID: echoes the OCRQ's. */
    OCRP_PEER_CALL_ID(Direction.TO_CLIENT, ControlMessageType.OUTGOING_CALL_REPLY, 14, Role.TO_CLIENT_ID),
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
        TO_CLIENT_ID_IF_KNOWN
    }

    private static final CallIdField[][] TABLE = new CallIdField[2][16];

    static {
        for (CallIdField f : values()) {
            TABLE[f.direction.ordinal()][f.type.code()] = f;
        }
    }

    final Direction direction;
    final ControlMessageType type;
    final int offset;
    final Role role;

    CallIdField(Direction direction, ControlMessageType type, int offset, Role role) {
        this.direction = direction;
        this.type = type;
        this.offset = offset;
        this.role = role;
    }

    /** The call-ID field the ALG rewrites in this message going this way, or null. */
    static CallIdField of(Direction direction, ControlMessageType type) {
        return TABLE[direction.ordinal()][type.code()];
    }
}
