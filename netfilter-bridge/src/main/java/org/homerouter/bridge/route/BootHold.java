package org.homerouter.bridge.route;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.regex.Pattern;

/**
 * What {@link FailClosedRoutes} and {@link DefaultRouteFailClosed} hold, kept in a file for the
 * next boot. The service starts a minute or more after the network (the JVM, on a small ARM
 * board): until then a site-to-site LAN's packets for the office, or all of them with "everything
 * through the tunnel", went out of the WAN in clear. The router image's {@code homerouter-hold}
 * (root, before systemd-networkd) reads this file and puts the same routes and rules in place;
 * the service then finds them and takes them over.
 *
 * <p>The file is data, not commands: it is written by the service's own user and read by root,
 * so {@code homerouter-hold} accepts only the two kinds of line below, each checked, and builds
 * the {@code ip} commands itself.
 * <pre>
 * unreachable 10.2.0.0/24
 * default-route-held
 * </pre>
 */
public final class BootHold {
    /** The file's name in the service's data directory, where {@code homerouter-hold} looks for it. */
    public static final String FILE_NAME = "boot-hold";
    private static final Pattern CIDR = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}");

    private BootHold() {
    }

    /** What a boot-hold file holds: the networks kept unreachable, and whether forwarded traffic is held. */
    public record Held(java.util.List<String> unreachable, boolean defaultRouteHeld) {
        public static final Held NOTHING = new Held(java.util.List.of(), false);

        public Held {
            unreachable = java.util.List.copyOf(unreachable);
        }

        public boolean isEmpty() {
            return unreachable.isEmpty() && !defaultRouteHeld;
        }
    }

    /**
     * What the file {@code file} (one {@link #write} made, or a copy of it) holds: its lines as
     * {@code homerouter-hold} takes them, others skipped; {@link Held#NOTHING} where there is no file.
     */
    public static Held read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Held.NOTHING;
        }
        java.util.List<String> unreachable = new java.util.ArrayList<>();
        boolean defaultRoute = false;
        // Decoded leniently: bytes a power cut garbled cost their own line, not the file.
        for (String line : new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n")) {
            String l = line.strip();
            if (l.startsWith("unreachable ") && CIDR.matcher(l.substring(12).strip()).matches()) {
                unreachable.add(l.substring(12).strip());
            } else if (l.equals("default-route-held")) {
                defaultRoute = true;
            }
        }
        return new Held(unreachable, defaultRoute);
    }

    /**
     * Copies {@code from} (the boot-hold file) to {@code to} as it is, byte for byte, durably (synced,
     * and its directory), unless {@code to} exists: the copy must survive a power cut right after.
     *
     * @return whether a copy was made
     */
    public static boolean keepCopy(Path from, Path to) throws IOException {
        if (Files.exists(to) || !Files.exists(from)) {
            return false;
        }
        writeDurably(to, Files.readAllBytes(from));
        return true;
    }

    /** The file's text for these networks and whether forwarded traffic is held off the default route. */
    public static String render(Collection<String> unreachable, boolean defaultRouteHeld) {
        StringBuilder b = new StringBuilder("# Written by the HomeRouter service: the routes and rules homerouter-hold puts back at\n"
                + "# boot, before the network comes up and until the service takes them over.\n");
        for (String network : unreachable) {
            if (!CIDR.matcher(network).matches()) {
                throw new IllegalArgumentException("not an IPv4 network: " + network);
            }
            b.append("unreachable ").append(network).append('\n');
        }
        if (defaultRouteHeld) {
            b.append("default-route-held\n");
        }
        return b.toString();
    }

    /**
     * Writes the file in {@code dataDir}, whole or not at all (a new file moved over the old, the
     * directory synced after): a power cut while writing must not leave half a list, or the list
     * before the last change, for the next boot.
     */
    public static void write(Path dataDir, Collection<String> unreachable, boolean defaultRouteHeld) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        byte[] text = render(unreachable, defaultRouteHeld).getBytes(StandardCharsets.UTF_8);
        try {
            if (java.util.Arrays.equals(Files.readAllBytes(file), text)) {
                return;
            }
        } catch (IOException missingOrUnreadable) {
            // Written below.
        }
        writeDurably(file, text);
    }

    /** {@code text} as {@code file}, whole or not at all: a new file synced, moved over it, the directory synced. */
    private static void writeDurably(Path file, byte[] text) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".new");
        try (FileChannel out = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(text));
            out.force(true);
        }
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
