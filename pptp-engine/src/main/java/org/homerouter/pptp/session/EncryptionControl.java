package org.homerouter.pptp.session;

import java.nio.ByteBuffer;
import java.util.OptionalLong;
import org.homerouter.pptp.mppe.MppeStrength;

/**
 * The session's view of CCP with MPPE (RFC 1962, RFC 3078): open it in the Network phase, feed it
 * CCP packets, and hear whether encryption came up, with what, or failed. Narrow on purpose: the
 * session needs no more of CCP than this.
 */
public interface EncryptionControl {
    /** What CCP agreed: both directions use the same strength and mode. */
    record Agreed(MppeStrength strength, boolean stateless) {
    }

    /** What CCP reports to the session; called on the session's thread. */
    interface Events {
        void encryptionUp(Agreed agreed);

        /** Encryption is required but the peer would not agree: the link must go. */
        void encryptionRefused(String why);

        /** The peer sent a CCP Reset-Request: the next packet we send must be flushed. */
        void peerRequestedReset();
    }

    void start();

    void receive(ByteBuffer information);

    /** Our decryptor lost sync (stateful MPPE): ask the peer for a Reset (CCP Reset-Request). */
    void requestReset();

    void poll();

    OptionalLong deadline();

    void stop();
}
