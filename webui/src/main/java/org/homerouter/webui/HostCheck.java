package org.homerouter.webui;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which names in a request's Host header the router's pages answer to: an IP address, localhost,
 * the router's own name, a single-label name ("router") or a name under a suffix reserved for local
 * networks. Anything else is a DNS-rebinding attempt: a web page whose domain has been re-pointed at
 * the router would otherwise be same-origin with the UI, read its forms (CSRF tokens included) and
 * post them back, e.g. to set the admin password before setup is done. No public name can be under
 * these suffixes (RFC 6762 .local, RFC 8375 home.arpa, RFC 6761 .localhost; .lan, .home and
 * .internal are not delegated in the public DNS), and a single label never resolves through it.
 */
final class HostCheck {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final List<String> LOCAL_SUFFIXES =
            List.of(".local", ".lan", ".home", ".home.arpa", ".internal", ".localdomain", ".localhost");

    private HostCheck() {
    }

    /**
     * @param host     the Host header's name, without its port (IPv6 with or without brackets)
     * @param hostName the router's configured name (system.host_name), which may be a full domain name
     */
    static boolean allowed(String host, String hostName) {
        if (host == null || host.isEmpty()) {
            return true; // HTTP/1.0 without Host: no name for a rebinding page to have used
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1); // "router.lan." is the same name
        }
        if (IPV4.matcher(h).matches() || h.indexOf(':') >= 0) {
            return true; // an address; no DNS name has a colon, so none can be rebound to look like one
        }
        if (h.equals("localhost") || !h.contains(".") || (hostName != null && h.equals(hostName.toLowerCase(Locale.ROOT)))) {
            return true;
        }
        return LOCAL_SUFFIXES.stream().anyMatch(h::endsWith);
    }
}
