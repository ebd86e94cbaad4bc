package org.homerouter.pptp.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

import org.homerouter.pptp.ppp.ControlPacket;

/**
 * A PAP Authenticate-Request (RFC 1334 §2.2.1): Peer-ID Length, Peer-ID, Passwd-Length, Password
 * in the Data field of a Code 1 packet.
 *
 * @param identifier the packet's Identifier
 * @param peerId the Peer-ID octets, at most 255
 * @param password the Password octets, at most 255; PAP carries it in clear
 */
public record PapAuthenticateRequest(int identifier, byte[] peerId, byte[] password) {
    /** Code of an Authenticate-Request. */
    public static final int CODE = 1;

    public PapAuthenticateRequest {
        if (identifier < 0 || identifier > 0xFF) {
            throw new IllegalArgumentException("identifier out of range 0..255: " + identifier);
        }
        if (peerId.length > 0xFF || password.length > 0xFF) {
            throw new IllegalArgumentException("Peer-ID and Password are at most 255 octets (one-octet lengths)");
        }
        peerId = peerId.clone();
        password = password.clone();
    }

    /** A request from a name and password, both UTF-8 encoded. */
    public static PapAuthenticateRequest of(int identifier, String peerId, String password) {
        return new PapAuthenticateRequest(identifier, peerId.getBytes(StandardCharsets.UTF_8),
                password.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads a Code 1 packet. A packet whose lengths run past its Data field is invalid and yields
     * nothing, to be silently discarded; octets after the Password are ignored, as pppd does.
     */
    public static Optional<PapAuthenticateRequest> decode(ControlPacket packet) {
        if (packet.code() != CODE || packet.dataLength() < 1) {
            return Optional.empty();
        }
        byte[] d = packet.data();
        int idLength = d[0] & 0xFF;
        if (d.length < 1 + idLength + 1) {
            return Optional.empty();
        }
        int pwLength = d[1 + idLength] & 0xFF;
        if (d.length < 2 + idLength + pwLength) {
            return Optional.empty();
        }
        return Optional.of(new PapAuthenticateRequest(packet.identifier(),
                Arrays.copyOfRange(d, 1, 1 + idLength),
                Arrays.copyOfRange(d, 2 + idLength, 2 + idLength + pwLength)));
    }

    /** The Code 1 packet. */
    public ControlPacket toPacket() {
        byte[] d = new byte[2 + peerId.length + password.length];
        d[0] = (byte) peerId.length;
        System.arraycopy(peerId, 0, d, 1, peerId.length);
        d[1 + peerId.length] = (byte) password.length;
        System.arraycopy(password, 0, d, 2 + peerId.length, password.length);
        return new ControlPacket(CODE, identifier, d);
    }

    @Override
    public byte[] peerId() {
        return peerId.clone();
    }

    @Override
    public byte[] password() {
        return password.clone();
    }

    /** The Peer-ID as text (UTF-8; malformed octets become U+FFFD). */
    public String peerIdText() {
        return new String(peerId, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PapAuthenticateRequest r && identifier == r.identifier
                && Arrays.equals(peerId, r.peerId) && Arrays.equals(password, r.password);
    }

    @Override
    public int hashCode() {
        return (identifier * 31 + Arrays.hashCode(peerId)) * 31 + Arrays.hashCode(password);
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "PapAuthenticateRequest[id=" + identifier + ", peerId=" + peerIdText() + "]";
    }
}
