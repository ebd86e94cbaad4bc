package org.homerouter.webui.api;

/**
 * The router's settings storage refused a read or a write (full, read-only, damaged): the page
 * says so in the owner's words instead of "internal error", since nothing the owner typed was
 * wrong and what to do (free space, restart, restore a backup) depends on which it was.
 */
public class StorageUnavailable extends RuntimeException {
    public StorageUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
