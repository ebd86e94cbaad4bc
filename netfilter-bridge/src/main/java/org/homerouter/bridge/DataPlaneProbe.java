package org.homerouter.bridge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.LibC;
import org.homerouter.bridge.tun.TunDeviceFactory;

/**
 * Finds out, without side effects, whether this process can carry PPTP data: it opens (and at once
 * closes) a raw GRE socket, opens /dev/net/tun, and reads its effective capabilities for
 * CAP_NET_ADMIN, which TUNSETIFF and the interface ioctls need (creating a probe interface would
 * announce a link to every netlink listener on the router). The appliance logs the sentence and
 * shows it in the UI; PPTP control and the UI run either way.
 */
public final class DataPlaneProbe {
    private DataPlaneProbe() {
    }

    /** linux/capability.h */
    static final int CAP_NET_ADMIN = 12;
    static final String TAIL = "; PPTP control and the UI keep running";
    static final String CAPABILITY_HINT = " (run as root or grant CAP_NET_ADMIN,CAP_NET_RAW)";

    /**
     * What was found: errno of each attempt (0 = it worked), whether CAP_NET_ADMIN is effective,
     * and why native calls failed altogether (null if they did not).
     */
    record Findings(int rawGreErrno, int tunOpenErrno, boolean netAdmin, String nativeFailure) {
    }

    /** Probes this process in the calling thread's network namespace. */
    public static DataPlaneStatus probe() {
        try {
            int raw = LibC.socket(LibC.AF_INET, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.IPPROTO_GRE);
            if (raw >= 0) {
                LibC.close(raw);
            }
            int tun = LibC.open(TunDeviceFactory.CLONE_DEVICE, LibC.O_RDWR | LibC.O_CLOEXEC);
            if (tun >= 0) {
                LibC.close(tun);
            }
            return assess(new Findings(Math.max(0, -raw), Math.max(0, -tun), hasNetAdmin(), null));
        } catch (LinkageError | RuntimeException e) {
            // No FFM here: another OS, a libc without these symbols, or native access denied.
            return assess(new Findings(0, 0, false, e.getMessage() != null ? e.getMessage() : e.toString()));
        }
    }

    static DataPlaneStatus assess(Findings f) {
        if (f.nativeFailure() != null) {
            return new DataPlaneStatus(false, false, false,
                    "Linux data plane unavailable: native calls failed (" + f.nativeFailure() + ")" + TAIL);
        }
        List<String> capabilities = new ArrayList<>();
        List<String> others = new ArrayList<>();
        switch (f.rawGreErrno()) {
            case 0 -> { }
            case Errno.EPERM, Errno.EACCES -> capabilities.add("no CAP_NET_RAW");
            default -> others.add("no raw GRE socket (" + Errno.describe(f.rawGreErrno()) + ")");
        }
        if (!f.netAdmin()) {
            capabilities.add("no CAP_NET_ADMIN");
        }
        String tunDevice = TunDeviceFactory.CLONE_DEVICE;
        switch (f.tunOpenErrno()) {
            case 0 -> { }
            case Errno.ENOENT, Errno.ENODEV, Errno.ENXIO ->
                    others.add("no " + tunDevice + " (kernel without TUN, or the tun module not loaded)");
            case Errno.EACCES, Errno.EPERM -> others.add(tunDevice + " not accessible (permission denied)");
            default -> others.add("cannot open " + tunDevice + " (" + Errno.describe(f.tunOpenErrno()) + ")");
        }
        boolean rawGre = f.rawGreErrno() == 0;
        boolean tun = f.tunOpenErrno() == 0 && f.netAdmin();
        if (capabilities.isEmpty() && others.isEmpty()) {
            return new DataPlaneStatus(true, true, true, "Linux data plane available: raw GRE socket and TUN devices");
        }
        List<String> problems = new ArrayList<>();
        if (!capabilities.isEmpty()) {
            problems.add(String.join(", ", capabilities) + CAPABILITY_HINT);
        }
        problems.addAll(others);
        return new DataPlaneStatus(false, rawGre, tun,
                "Linux data plane unavailable: " + String.join(", ", problems) + TAIL);
    }

    private static boolean hasNetAdmin() {
        try {
            OptionalLong caps = effectiveCapabilities(Files.readString(Path.of("/proc/thread-self/status")));
            // Unknown (no such line): do not claim a lack; TUNSETIFF will tell.
            return caps.isEmpty() || (caps.getAsLong() & 1L << CAP_NET_ADMIN) != 0;
        } catch (IOException e) {
            return true;
        }
    }

    /** The CapEff mask of a /proc/PID/status text (proc(5)), if it has one. */
    static OptionalLong effectiveCapabilities(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("CapEff:")) {
                try {
                    return OptionalLong.of(Long.parseUnsignedLong(line.substring(7).strip(), 16));
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }
}
