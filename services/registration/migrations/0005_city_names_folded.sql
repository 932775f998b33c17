-- One application per city and call among those still standing, and one city per name and country,
-- comparing names folded: case, diacritics and spacing aside ("Rīga" and "riga" are one city; Ł, ß
-- and other letters of their own stay themselves). A withdrawn application no longer holds the city,
-- so a city that withdrew may apply again.
CREATE FUNCTION city_key(name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN lower(regexp_replace(normalize(btrim(regexp_replace(name, '\s+', ' ', 'g')), NFKD), '[\u0300-\u036f]', '', 'g'));

DROP INDEX applications_one_per_city;
CREATE UNIQUE INDEX applications_one_standing_per_city ON applications (call_slug, city_key(city), country)
    WHERE status <> 'withdrawn';

DROP INDEX cities_one_per_name;
CREATE UNIQUE INDEX cities_one_per_name ON cities (city_key(name), country);
