DROP TABLE bhxh_benefit_decisions;
DROP TABLE bhxh_disease_feed;
DROP TABLE bhxh_feed_head;
