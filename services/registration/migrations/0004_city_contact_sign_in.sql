-- City focal points and deputies sign in too: their links and sessions name the city they sign in for.
ALTER TABLE sign_in_links DROP CONSTRAINT sign_in_links_person_kind_check;
ALTER TABLE sign_in_links ADD CONSTRAINT sign_in_links_person_kind_check
    CHECK (person_kind IN ('staff', 'focal_point', 'deputy'));
ALTER TABLE sign_in_links ADD COLUMN city_id uuid;
ALTER TABLE sign_in_links ADD CONSTRAINT sign_in_links_city_of_contacts
    CHECK ((person_kind = 'staff') = (city_id IS NULL));

ALTER TABLE sessions DROP CONSTRAINT sessions_person_kind_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_person_kind_check
    CHECK (person_kind IN ('staff', 'focal_point', 'deputy'));
ALTER TABLE sessions ADD COLUMN city_id uuid;
ALTER TABLE sessions ADD CONSTRAINT sessions_city_of_contacts CHECK ((person_kind = 'staff') = (city_id IS NULL));
