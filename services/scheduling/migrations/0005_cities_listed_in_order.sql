-- The public list of cities heard of (one per application's city) is read a window at a time in
-- (country, city) order: the index gives the window without sorting every city on each request.
CREATE INDEX cities_in_list_order ON cities (country, city, city_key);
