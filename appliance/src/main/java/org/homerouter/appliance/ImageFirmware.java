package org.homerouter.appliance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.webui.api.Firmware;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The System page's firmware update on the router image: the service runs as its own user, who
 * may neither write a root slot nor reboot, so it hands the bundle to root's
 * {@code homerouter-update.socket} (image/overlay; only this user may open it), whose
 * {@code homerouter-update} writes the slot not running, once the bundle's signature holds. The
 * protocol: a first line ("install", then the bundle to the end of the stream; or "reboot"), and
 * back what the installer says, its last line "homerouter-update exit N".
 */
final class ImageFirmware implements Firmware {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFirmware.class);
    /**
     * Where the image keeps what this needs: the socket unit's socket; the slot marked to be tried
     * at the next boot (homerouter-update writes it, the initramfs reads it); the slot booted (the
     * initramfs's record) and the slot confirmed to boot from now on (homerouter-slot confirm).
     */
    record Paths(Path socket, Path trial, Path bootRecord, Path confirmedSlot) {
        static final Paths IMAGE = new Paths(Path.of("/run/homerouter-update.sock"), Path.of("/data/boot/trial"),
                Path.of("/etc/homerouter-boot"), Path.of("/data/boot/slot"));
    }
    /** The most of the installer's words kept: it says a few lines. */
    private static final int MAX_ANSWER = 64 * 1024;
    private static final Pattern EXIT = Pattern.compile("(?m)^homerouter-update exit (\\d+)\\s*\\z");
    private static final Pattern STARTS = Pattern.compile("reboot to start (\\S+)");

    private final Path socket;
    private final Path trial;
    private final Paths paths;
    private final UpdateOutcome outcome;
    private final EventSink events;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile String waiting;
    /** The last update's failure, found at this start; null when there was none. */
    private volatile String failed;

    /** Where an update's outcome is recorded (the event log). */
    interface EventSink {
        void log(String kind, String message);
    }

    /** @param note the data directory's record of the update restarted into ({@link UpdateOutcome}) */
    ImageFirmware(Paths paths, Path note, EventSink events) {
        this.paths = paths;
        this.socket = paths.socket();
        this.trial = paths.trial();
        this.outcome = new UpdateOutcome(note);
        this.events = events;
    }

    /** At the service's start: what became of the update the owner restarted into, if any. */
    ImageFirmware started() {
        failed = outcome.atStart(version(), events).orElse(null);
        waiting = outcome.installedNotStarted().orElse(null);
        return this;
    }

    @Override
    public Optional<String> lastUpdateFailed() {
        if (failed == null && bootedSlotConfirmed()) {
            outcome.confirmed(version());
        }
        return Optional.ofNullable(failed);
    }

    private boolean bootedSlotConfirmed() {
        try {
            String booted = KeyValueFile.read(paths.bootRecord()).map(r -> r.getOrDefault("SLOT", "").strip()).orElse("");
            return Files.exists(paths.confirmedSlot()) && booted.equals(Files.readString(paths.confirmedSlot()).strip());
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String version() {
        return Version.current();
    }

    @Override
    public Optional<String> notUpdatable() {
        return Files.exists(socket) ? Optional.empty() : Optional.of("Firmware updates are installed from this page on"
                + " the HomeRouter router image. This copy of the service runs outside it (started with 'make run' or"
                + " from its jar): update it by replacing appliance.jar and starting it again.");
    }

    @Override
    public Optional<String> waitingForRestart() {
        // Only while the slot is still marked: an update that failed after it began rewriting the
        // slot took the mark away (homerouter-update), and the version installed before is gone.
        String w = waiting;
        return w != null && Files.exists(trial) ? Optional.of(w) : Optional.empty();
    }

    @Override
    public Upload begin(String from) throws IOException {
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("Another update is being installed now (from another browser or tab):"
                    + " wait for it to finish, then look at this page again.");
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            write(channel, ByteBuffer.wrap("install\n".getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException | RuntimeException e) {
            busy.set(false);
            throw new IOException("the router's installer could not be reached (" + socket + "): " + e.getMessage(), e);
        }
        LOG.info("firmware update from {}: handing the file to the installer", from);
        return new SocketUpload(channel, from);
    }

    private static void write(SocketChannel channel, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    @Override
    public void restart(String from) throws IOException {
        if (busy.get()) {
            throw new IllegalStateException("An update is being installed now: restart once the page has said how it went.");
        }
        String starting = waitingForRestart().orElse(null);
        if (starting != null) {
            // Before: the reboot may stop this service before it could write anything after.
            outcome.restarting(starting, version(), java.time.Instant.now());
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            write(channel, ByteBuffer.wrap("reboot\n".getBytes(StandardCharsets.US_ASCII)));
            channel.shutdownOutput();
            Answer a = answer(channel);
            if (a.exit != 0) {
                throw new IOException("the router did not restart: " + a.said);
            }
        } catch (IOException | RuntimeException e) {
            if (starting != null) {
                outcome.installed(starting, version()); // no restart: the next start must not call it failed
            }
            throw e;
        }
        events.log("admin", "router restarting" + (starting != null ? " to start firmware " + starting : "")
                + ", asked from " + from);
    }

    private record Answer(int exit, String said) {
    }

    /** The installer's words to the end of the stream, without the exit line (exit -1 when it gave none). */
    private static Answer answer(SocketChannel channel) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(8192);
        while (channel.read(b.clear()) >= 0) {
            if (out.size() < MAX_ANSWER) {
                out.write(b.array(), 0, Math.min(b.position(), MAX_ANSWER - out.size()));
            }
        }
        String text = out.toString(StandardCharsets.UTF_8);
        Matcher m = EXIT.matcher(text);
        if (!m.find()) {
            return new Answer(-1, text.strip());
        }
        return new Answer(Integer.parseInt(m.group(1)), text.substring(0, m.start()).strip());
    }

    /**
     * The last octets of the file held back until it is known to be whole: GNU tar takes a stream
     * that ends right after its last member's data as a whole bundle (the end-of-archive blocks
     * are optional to it), so an upload abandoned in its last KiB would install all the same while
     * the page said "not installed". Without the tail, the root file system is short and its
     * checksum fails. More than tar's end padding (a 10,240-octet record).
     */
    static final int HELD_BACK = 64 * 1024;

    private final class SocketUpload implements Upload {
        private final SocketChannel channel;
        private final String from;
        private final ByteBuffer tail = ByteBuffer.allocate(HELD_BACK);
        /** The installer stopped reading (it refused early, or went): the rest is not sent. */
        private IOException broken;

        SocketUpload(SocketChannel channel, String from) {
            this.channel = channel;
            this.from = from;
        }

        @Override
        public void write(ByteBuffer bytes) {
            while (bytes.hasRemaining()) {
                if (!tail.hasRemaining()) {
                    // Full: what is held longest goes, as much as comes in.
                    tail.flip();
                    int n = Math.min(tail.remaining(), bytes.remaining());
                    send(tail.slice(tail.position(), n));
                    tail.position(tail.position() + n).compact();
                }
                int n = Math.min(tail.remaining(), bytes.remaining());
                tail.put(bytes.slice(bytes.position(), n));
                bytes.position(bytes.position() + n);
            }
        }

        private void send(ByteBuffer b) {
            if (broken != null) {
                return;
            }
            try {
                ImageFirmware.write(channel, b);
            } catch (IOException e) {
                broken = e; // its answer, read at the end, says why
            }
        }

        @Override
        public Outcome finish() throws IOException {
            try (channel) {
                send(tail.flip());
                if (broken == null) {
                    channel.shutdownOutput();
                }
                Answer a = answer(channel);
                boolean installed = a.exit == 0;
                String said = a.said.isEmpty() ? "the installer stopped without a word" : a.said;
                if (a.exit < 0) {
                    said += " (the installer stopped before it finished: nothing will start from it)";
                }
                if (installed) {
                    Matcher m = STARTS.matcher(said);
                    waiting = m.find() ? m.group(1) : "the new firmware";
                    outcome.installed(waiting, version()); // the restart button, after a service restart too
                    failed = null; // the update before it, which did not stay, is history now
                    events.log("admin", "firmware " + waiting + " installed from " + from
                            + "; it starts at the next restart");
                    LOG.info("firmware update installed: {}", said);
                } else {
                    events.log("admin", "firmware update from " + from + " not installed: " + lastLine(said));
                    LOG.warn("firmware update not installed: {}", said);
                }
                return new Outcome(installed, said);
            } finally {
                busy.set(false);
            }
        }

        @Override
        public void abort() {
            // Ended without the held-back tail: tar meets a short root file system, nothing is
            // marked to boot. Still busy until the installer has said so: a restart or another
            // upload meanwhile would meet it writing the slot.
            Thread.ofVirtual().name("firmware-abort").start(() -> {
                try (channel) {
                    if (broken == null) {
                        channel.shutdownOutput();
                    }
                    Answer a = answer(channel);
                    LOG.info("firmware update from {} abandoned; the installer said: {}", from, a.said);
                } catch (IOException e) {
                    LOG.info("firmware update from {} abandoned: {}", from, e.getMessage());
                } finally {
                    busy.set(false);
                }
            });
            events.log("admin", "firmware update from " + from + " not installed: the file did not arrive whole");
        }
    }

    private static String lastLine(String said) {
        String[] lines = said.strip().split("\n");
        return lines[lines.length - 1];
    }
}
