package org.homerouter.webui.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The firmware the router runs, and its update from the System page: the update file (a bundle)
 * is handed to the installer as it arrives, never held whole (it is as large as the router's
 * storage for settings), and the router restarts into it when the owner says so.
 */
public interface Firmware {
    /** The running firmware's version, as the owner compares it with a download's. */
    String version();

    /** Why updates cannot be installed from the page here, in words; empty when they can. */
    Optional<String> notUpdatable();

    /**
     * Why the last update restarted into did not stay (the router came back to this version by
     * itself), in words for the owner; empty when it did, or none was.
     */
    Optional<String> lastUpdateFailed();

    /** The version installed and waiting for a restart to start; empty when none is. */
    Optional<String> waitingForRestart();

    /**
     * The processor this router runs on, as Java names it ("aarch64", "arm", "amd64"): the update
     * file to choose follows from it ({@link #updateArchitecture}).
     */
    default String machineArchitecture() {
        return System.getProperty("os.arch", "");
    }

    /**
     * The name ending of the update files ("-arm64.update") a router on {@code machine} (as {@link
     * #machineArchitecture}) takes: "arm64" for aarch64, "armhf" for 32-bit ARM (the router image's
     * two builds); empty for any other, for which no image is built. The page said "-arm64 (-armhf
     * on an armhf router)" and left the owner to find out which theirs was.
     */
    static Optional<String> updateArchitecture(String machine) {
        return switch (machine) {
            case "aarch64", "arm64" -> Optional.of("arm64");
            case "arm", "armhf", "armv7l" -> Optional.of("armhf");
            default -> Optional.empty();
        };
    }

    /**
     * Starts handing an update over.
     *
     * @param from who sends it, for the event log ("192.168.1.100")
     * @throws IllegalStateException with words for the owner when another is being installed
     * @throws IOException           when the installer cannot be reached
     */
    Upload begin(String from) throws IOException;

    /**
     * Restarts the router (into the update installed, if one is).
     *
     * @param from who asks, for the event log
     * @throws IllegalStateException with words for the owner while an update is being installed
     */
    void restart(String from) throws IOException;

    /** One update being handed over, in order. */
    interface Upload {
        void write(ByteBuffer bytes) throws IOException;

        /** The file is whole: waits for the installer's answer. */
        Outcome finish() throws IOException;

        /** The file did not arrive whole (the browser went): the installer is told so and writes nothing to boot. */
        void abort();
    }

    /**
     * @param installed whether the update was written and will start at the next restart
     * @param said      what the installer said (why not, when it was not)
     */
    record Outcome(boolean installed, String said) {
    }

    /** A router that is not updated from its page (tests, a backend without an installer). */
    Firmware NONE = new Firmware() {
        @Override public String version() { return "unknown"; }
        @Override public Optional<String> notUpdatable() { return Optional.of("This router is not updated from this page."); }
        @Override public Optional<String> waitingForRestart() { return Optional.empty(); }
        @Override public Optional<String> lastUpdateFailed() { return Optional.empty(); }
        @Override public Upload begin(String from) { throw new IllegalStateException("This router is not updated from this page."); }
        @Override public void restart(String from) { throw new IllegalStateException("This router is not restarted from this page."); }
    };
}
