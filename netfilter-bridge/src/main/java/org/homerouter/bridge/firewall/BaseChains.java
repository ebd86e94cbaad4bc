package org.homerouter.bridge.firewall;

import java.io.IOException;
import java.util.List;
import org.homerouter.bridge.admin.AdminCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chains of the router image's base firewall (/etc/nftables.conf) that it leaves to the service to
 * fill; a development machine, or a host with a firewall of its own, has none of them. Whether they
 * are there is asked of nft until it answers: a busy boot's nft that timed out is no answer, and
 * taking it for "not there" left them unfilled for the life of the service (the WAN admitting no
 * VPN client, the LAN's DNS not held) until someone restarted it. Thread-safe.
 */
final class BaseChains {
    private static final Logger LOG = LoggerFactory.getLogger(BaseChains.class);

    private final AdminCommands commands;
    private final List<String> chains;
    private final String otherwise;
    /** Null until nft answered. */
    private Boolean there;

    /**
     * @param chains    the chains, e.g. "inet homerouter wan_pptp"
     * @param otherwise whose business their job is where they are not there, for the log
     */
    BaseChains(AdminCommands commands, String otherwise, String... chains) {
        this.commands = commands;
        this.chains = List.of(chains);
        this.otherwise = otherwise;
    }

    /**
     * Asks nft, unless it answered before; where it cannot be asked now, says so in the log and
     * leaves the question to the next {@link #there()}.
     */
    void find() {
        try {
            there();
        } catch (IOException e) {
            LOG.warn("could not tell whether the base firewall chain(s) {} are there: {}; asked again at the next"
                    + " change", String.join(", ", chains), e.getMessage());
        }
    }

    /**
     * Whether every chain exists.
     *
     * @throws IOException nft failed otherwise than by saying a chain is not there (it timed out):
     *                     nobody knows yet, and the caller's change is to be tried again
     */
    synchronized boolean there() throws IOException {
        if (there == null) {
            there = ask();
            if (!there) {
                LOG.info("no base firewall chain(s) {}: {}", String.join(", ", chains), otherwise);
            }
        }
        return there;
    }

    /** Whether the chains are known to be there (false while nft has not answered). */
    synchronized boolean knownThere() {
        return Boolean.TRUE.equals(there);
    }

    private boolean ask() throws IOException {
        try {
            for (String chain : chains) {
                // One list per run: nft 1.0 fails a batch of two.
                commands.run("list chain " + chain + "\n", "nft", "-f", "-");
            }
            return true;
        } catch (IOException e) {
            // nft's own "not there" (ENOENT), or no nft on this host to ask at all.
            if (AdminCommands.notThere(e) || String.valueOf(e.getMessage()).startsWith("Cannot run program")) {
                return false;
            }
            throw e;
        }
    }
}
