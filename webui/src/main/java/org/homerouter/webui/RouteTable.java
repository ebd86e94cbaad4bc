package org.homerouter.webui;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes ({@link Pages#routes}) by method and path, for finding a request's route and the page
 * a form is on. Filled once when the server is made and never changed after: read by every request
 * without a lock.
 */
final class RouteTable {
    private final Map<String, Route> routes = new HashMap<>();

    RouteTable(List<Route> all) {
        for (Route r : all) {
            routes.put(r.method() + " " + r.path(), r);
        }
    }

    /** The route for {@code method} (HEAD counted as GET by the caller) and {@code path}, or null. */
    Route find(String method, String path) {
        return routes.get(method + " " + path);
    }

    /** Whether some route serves {@code path}, with whatever method. */
    boolean hasPath(String path) {
        return routes.keySet().stream().anyMatch(k -> k.endsWith(" " + path));
    }

    /**
     * The page a form posted to {@code path} is on, for a link to it: the path's first part where
     * that is a page (/system for /system/https, /users for /users/subnets), else the Dashboard.
     */
    String pageOf(String path) {
        int slash = path.indexOf('/', 1);
        String first = slash < 0 ? path : path.substring(0, slash);
        return routes.containsKey("GET " + first) ? first : "/";
    }

    /** Every route. */
    List<Route> all() {
        return List.copyOf(routes.values());
    }
}
