package org.homerouter.webui.api;

import java.util.Optional;

/** The one administrator's credential: an encoded Argon2id hash, never the password. */
public interface AdminAccount {
    /** The stored hash, empty on a fresh router (the UI then forces first-run setup). */
    Optional<String> passwordHash();

    /**
     * Stores a new hash in place of {@code previousHash} and records {@code event} in the event log,
     * in one transaction, only if the stored hash is still {@code previousHash}. False, with
     * nothing stored or logged, when it was changed since it was read (another browser, the
     * command line): the owner who typed that change must learn that theirs was not kept.
     */
    boolean changePasswordHash(String previousHash, String encodedHash, String event);

    /**
     * First-run setup: stores the hash and records {@code event}, in one transaction, only if no
     * hash is stored yet. False, with nothing stored or logged, when one already is: two browsers
     * may run setup at the same moment, and the second must not replace the first one's password.
     */
    boolean setFirstPasswordHash(String encodedHash, String event);

    /**
     * A random secret of this router (32 bytes), kept in its database across restarts, never
     * exported, and replaced at a factory reset: the key that signs the cookie by which the UI
     * knows a browser that logged in before.
     */
    byte[] knownDeviceKey();
}
