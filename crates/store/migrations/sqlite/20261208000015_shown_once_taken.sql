-- When a waiting secret was shown. A browser may abandon the page that showed it (a
-- double-click sends its form again while the first answer is loading), so for a few
-- seconds a repeat of the same form in the same session may show it once more; after that
-- the sealed value is wiped and the row stays only to say "shown already".
ALTER TABLE shown_once ADD COLUMN taken_at BIGINT;
