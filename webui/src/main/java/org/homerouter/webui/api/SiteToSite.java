package org.homerouter.webui.api;

/**
 * The site-to-site dial-out (LAN to LAN): this router dials a remote PPTP server and routes the
 * remote site's networks through the tunnel. The Site-to-site page edits it; the dashboard shows
 * what it is doing.
 */
public interface SiteToSite {
    /**
     * @param subnets      comma-separated CIDR networks behind the remote server
     * @param defaultRoute everything else goes through the tunnel too
     * @param passwordSet  whether a password (only its NT hash) is stored
     */
    record Settings(boolean enabled, String server, String user, String mppe, String subnets, boolean defaultRoute,
                    boolean passwordSet) {
    }

    /**
     * @param phase       off, connecting, up or waiting
     * @param summary     one sentence: what it is doing now
     * @param lastFailure why the last attempt failed or the tunnel dropped, in plain words; "" if none
     */
    record Status(String phase, String summary, String lastFailure) {
    }

    Settings settings();

    Status status();

    /**
     * The networks in canonical form, checked against the router's own networks, the other routed
     * networks and the server address (a server inside them would loop).
     *
     * @throws IllegalArgumentException with the sentence to show next to the field
     */
    String checkSubnets(String server, String subnets);

    /**
     * Stores the settings (one transaction, logged) and redials at once.
     *
     * @param password the new password, or null to keep the stored one
     */
    void apply(Settings settings, String password, String event);

    /** No dial-out in this build. */
    SiteToSite NONE = new SiteToSite() {
        @Override
        public Settings settings() {
            return new Settings(false, "", "", "require-128", "", false, false);
        }

        @Override
        public Status status() {
            return new Status("off", "off", "");
        }

        @Override
        public String checkSubnets(String server, String subnets) {
            return RoutedSubnets.format(RoutedSubnets.parse(subnets, "the remote site"));
        }

        @Override
        public void apply(Settings settings, String password, String event) {
            throw new UnsupportedOperationException("no site-to-site dial-out in this build");
        }
    };
}
