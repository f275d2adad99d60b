META
key;value
budget;100
vote_type;approval
PROJECTS
project_id;cost;name
a;60;"Park; north"
b;50;Bikes
c;40;"The ""best"" library"
VOTES
voter_id;vote
1;a
2;a
3;a,b
4;b,c
5;c
