"""The type tokens of the resources the plan's findings, tree and mocks look at, by what they are."""

IGW = "aws:ec2/internetGateway:InternetGateway"
EGRESS_IGW = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
SUBNET = "aws:ec2/subnet:Subnet"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
EKS_CLUSTER = "eks:index:Cluster"
NODE_GROUP_TYPES = ("eks:index:NodeGroupV2", "eks:index:NodeGroup", "eks:index:ManagedNodeGroup")
