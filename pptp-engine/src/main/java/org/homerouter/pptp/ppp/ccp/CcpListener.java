package org.homerouter.pptp.ppp.ccp;

/** What CCP tells the PPP session; called on the session's thread, from inside {@link Ccp}'s methods. */
public interface CcpListener {
    /**
     * CCP reached Opened with MPPE agreed in both directions (This-Layer-Up): build the encryptor
     * and decryptor ({@link CcpResult#newEncryptor}, {@link CcpResult#newDecryptor}) and let data
     * flow, encrypted.
     */
    void encryptionUp(CcpResult result);

    /**
     * CCP reached Opened without MPPE in either direction. Only happens when the policy does not
     * require encryption; otherwise {@link #failed} is called instead.
     */
    default void openedWithoutEncryption() {
    }

    /** CCP left Opened (This-Layer-Down): stop passing data until it is up again. */
    void encryptionDown();

    /**
     * Encryption is required but cannot be had, or broke: the session should terminate LCP. Called
     * at most once; encryption never comes up afterwards.
     */
    void failed(CcpFailure failure);

    /**
     * The peer sent a CCP Reset-Request and has been sent the Reset-Ack: the encryptor must flush
     * (and, stateful, re-key) its next packet ({@link org.homerouter.pptp.mppe.MppeEncryptor#resetRequested}).
     */
    void peerRequestedReset();
}
