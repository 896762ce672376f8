DROP TABLE bhxh_benefit_decisions;
DROP TABLE bhxh_accident_feed;
DROP TABLE bhxh_feed_head;
