package org.homerouter.appliance;

import java.util.List;
import java.util.function.Consumer;
import org.homerouter.webui.api.Ipv4;
import org.homerouter.webui.api.Subnet;

/**
 * Says in the event log when the WAN's address changes: a new lease from the provider, the cable
 * out and back. What it ends (VPN sessions on the old address, the dial-out redialing) was logged
 * each in its own words, but not the cause: the owner asked why everyone dropped at 3 a.m. found
 * the effects only. The housekeeping looks every 30 s; a change back and forth in between goes unsaid.
 */
final class WanWatch {
    private final Consumer<String> events;
    /** The WAN's networks at the last look; null before the first, which says nothing (the start is logged). */
    private List<Subnet> seen;

    /** @param events the event log, as "service" */
    WanWatch(Consumer<String> events) {
        this.events = events;
    }

    /** The WAN's networks now ({@link RouterNetworks#wans}): said when they differ from the last look's. */
    void look(List<Subnet> wans) {
        List<Subnet> before = seen;
        seen = wans;
        if (before == null || before.equals(wans)) {
            return;
        }
        if (wans.isEmpty()) {
            events.accept("the WAN lost its address " + addresses(before) + ": no internet, no VPN calls from outside,"
                    + " until it is back");
        } else if (before.isEmpty()) {
            events.accept("the WAN has an address again: " + addresses(wans));
        } else {
            events.accept("the WAN's address changed to " + addresses(wans) + " (was " + addresses(before) + "): VPN"
                    + " clients and the office reach this router at the new one");
        }
    }

    private static String addresses(List<Subnet> wans) {
        return String.join(", ", wans.stream()
                .map(n -> Ipv4.format(n.network()) + "/" + n.prefixLength() + " on " + n.interfaceName()).toList());
    }
}
